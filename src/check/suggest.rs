//! "Did you mean `follows_oa`?": the closest name in scope to a misspelt one.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            (
                strsim::normalized_damerau_levenshtein(&lower, &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, c)| *score >= 0.6 || is_affix(&lower, c))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `follow` for `follows_oa`: a prefix of a longer name is a likely slip too.
fn is_affix(name: &str, candidate: &str) -> bool {
    name.chars().count() >= 3 && candidate.to_lowercase().starts_with(name)
}

/// `help` text for a name that was not found.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_prefixes() {
        let names = ["follows_oa", "wechat_login", "paid", "platform"];
        assert_eq!(closest("follow_oa", names), Some("follows_oa"));
        assert_eq!(closest("wechat_logn", names), Some("wechat_login"));
        assert_eq!(closest("follow", names), Some("follows_oa"));
        assert_eq!(closest("zzz", names), None);
    }
}
