//! `corral lsp` driven as an editor drives it: the real binary, real JSON-RPC messages
//! with `Content-Length` framing over its stdin and stdout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// Long enough for a debug build on a loaded machine; a hang fails instead of blocking.
const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_corral"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if send.send(message).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Client {
            child,
            stdin,
            incoming,
            next_id: 0,
        }
    }

    /// Started and through the `initialize` handshake.
    fn initialized() -> Client {
        let mut client = Client::start();
        let result = client.request("initialize", json!({"capabilities": {}}));
        assert_eq!(result["result"]["serverInfo"]["name"], "corral");
        client.notify("initialized", json!({}));
        client
    }

    fn send_raw(&mut self, body: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_raw(&body.to_string());
    }

    /// Sends a request and returns its response (the whole message), skipping the
    /// notifications that come before it.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(&body.to_string());
        self.wait_for(|m| m["id"] == id)
    }

    fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self
                .incoming
                .recv_timeout(WAIT)
                .expect("the server answers in time");
            if want(&message) {
                return message;
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let message = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "corral", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i32, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        let response = self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    /// `shutdown`, then `exit`; the exit code.
    fn shut_down(mut self) -> i32 {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response["result"], Value::Null);
        assert!(response.get("error").is_none());
        self.notify("exit", Value::Null);
        self.exit_code()
    }

    fn exit_code(mut self) -> i32 {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

fn range(value: &Value) -> (u64, u64, u64, u64) {
    let r = &value["range"];
    let n = |v: &Value| v.as_u64().unwrap();
    (
        n(&r["start"]["line"]),
        n(&r["start"]["character"]),
        n(&r["end"]["line"]),
        n(&r["end"]["character"]),
    )
}

const SCHEMA: &str = "\
profile {
  id: string
  gender: enum(F, M, U)
  年龄: int
  follows_oa: bool
  paid: bool
}

event pay { amount: float, coupon: string }
";

#[test]
fn diagnostics_follow_edits_full_and_incremental() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.corral");
    // The error is on line 9, after Chinese text on the same line: UTF-16 columns.
    let broken = format!("{SCHEMA}tag 高价值 = 年龄 > 3 and folows_oa\n");
    std::fs::write(&path, &broken).unwrap();
    let uri = uri(&path);
    let mut client = Client::initialized();

    client.open(&uri, &broken);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "corral::check::unknown_name");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "corral");
    // `tag 高价值 = 年龄 > 3 and ` is 21 UTF-16 units; `folows_oa` is 9.
    assert_eq!(range(d), (9, 21, 9, 30));
    assert!(
        d["message"].as_str().unwrap().contains("`follows_oa`"),
        "the help says what was meant: {d}"
    );

    // Full sync: the whole text, fixed.
    let fixed = broken.replace("folows_oa", "follows_oa");
    client.change(&uri, 2, json!([{"text": fixed}]));
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // Incremental: replace `3` (line 9, column 15) by `"x"`.
    client.change(
        &uri,
        3,
        json!([{"range": {"start": {"line": 9, "character": 15}, "end": {"line": 9, "character": 16}}, "text": "\"x\""}]),
    );
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "corral::check::type_mismatch");

    // A warning has Warning severity.
    let unused = format!("{SCHEMA}let unused = 3\n");
    client.change(&uri, 4, json!([{"text": unused}]));
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics[0]["code"], "corral::check::unused_let");
    assert_eq!(diagnostics[0]["severity"], 2);

    // Notes become related information, in this file or another.
    let twice = format!("{SCHEMA}tag paid_twice = paid\ntag paid_twice = paid\n");
    client.change(&uri, 5, json!([{"text": twice}]));
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics[0]["code"], "corral::check::duplicate_name");
    assert_eq!(range(&diagnostics[0]), (10, 4, 10, 14));
    let related = &diagnostics[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri.as_str());
    assert_eq!(range(&related["location"]), (9, 4, 9, 14));

    // A syntax error is reported too.
    client.change(&uri, 6, json!([{"text": format!("{SCHEMA}tag = \n")}]));
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics[0]["code"], "corral::parse::syntax");

    // Closing clears them.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    assert_eq!(client.shut_down(), 0);
}

#[test]
fn hover_and_definition_across_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib.corral");
    std::fs::write(
        &lib,
        format!("{SCHEMA}tag 高价值 = sum(pay.amount within 90d) >= 1000\n"),
    )
    .unwrap();
    let main = dir.path().join("main.corral");
    let text = "import \"lib.corral\"\n\
                segment 目标 = 高价值 and not paid, F\n\
                tag coupons = count(pay where coupon == \"C1\")\n";
    std::fs::write(&main, text).unwrap();
    let (lib_uri, main_uri) = (uri(&lib), uri(&main));
    let mut client = Client::initialized();
    client.open(&main_uri, text);
    assert_eq!(client.diagnostics(&main_uri), Vec::<Value>::new());

    // Hover on `高价值` (line 1, column 13): its declaration and type.
    let hover = client.at("textDocument/hover", &main_uri, 1, 13);
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("tag `高价值`: `bool`"), "{shown}");
    assert!(
        shown.contains("sum(pay.amount within 90d) >= 1000"),
        "{shown}"
    );
    assert_eq!(range(&hover), (1, 13, 1, 16));

    // Definition: in the imported file, line 9, after `tag `.
    let location = client.at("textDocument/definition", &main_uri, 1, 14);
    assert_eq!(location["uri"], lib_uri.as_str());
    assert_eq!(range(&location), (9, 4, 9, 7));

    // A field: its declared type; definition in the profile.
    let hover = client.at("textDocument/hover", &main_uri, 1, 27);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("profile field `paid`: `bool`"),
        "{hover}"
    );
    let location = client.at("textDocument/definition", &main_uri, 1, 27);
    assert_eq!(range(&location), (5, 2, 5, 6));

    // An event property inside `where`, and the event itself.
    let hover = client.at("textDocument/hover", &main_uri, 2, 31);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("property `coupon` of event `pay`: `string`"),
        "{hover}"
    );
    let location = client.at("textDocument/definition", &main_uri, 2, 31);
    assert_eq!(range(&location), (8, 27, 8, 33));
    let location = client.at("textDocument/definition", &main_uri, 2, 21);
    assert_eq!(range(&location), (8, 6, 8, 9));

    // An enum variant: its field.
    let hover = client.at("textDocument/hover", &main_uri, 1, 31);
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("enum variant `F` of `gender`: `enum(F, M, U)`"),
        "{shown}"
    );

    // `at` of an event.
    client.change(
        &main_uri,
        2,
        json!([{"text": format!("{text}tag recent = exists(pay where at > now - 1d)\n")}]),
    );
    assert_eq!(client.diagnostics(&main_uri), Vec::<Value>::new());
    let hover = client.at("textDocument/hover", &main_uri, 3, 30);
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("when the `pay` event happened"), "{shown}");

    // A function and a keyword: their documentation.
    let hover = client.at("textDocument/hover", &main_uri, 2, 15);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("int: how many")
    );
    let hover = client.at("textDocument/hover", &main_uri, 1, 18);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("keyword `and`")
    );

    // Nothing there: null.
    assert_eq!(
        client.at("textDocument/hover", &main_uri, 1, 11),
        Value::Null
    );
    assert_eq!(client.shut_down(), 0);
}

#[test]
fn imports_read_unsaved_buffers_first() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib.corral");
    std::fs::write(&lib, SCHEMA).unwrap();
    let main = dir.path().join("main.corral");
    let text = "import \"lib.corral\"\nsegment s = vip\n";
    std::fs::write(&main, text).unwrap();
    let (lib_uri, main_uri) = (uri(&lib), uri(&main));
    let mut client = Client::initialized();
    client.open(&main_uri, text);
    let diagnostics = client.diagnostics(&main_uri);
    assert_eq!(diagnostics[0]["code"], "corral::check::unknown_name");

    // `vip` is declared in the unsaved buffer of lib.corral: main checks clean.
    client.open(&lib_uri, &format!("{SCHEMA}tag vip = paid\n"));
    assert_eq!(client.diagnostics(&main_uri), Vec::<Value>::new());

    // An error in the imported buffer shows at the import.
    client.change(
        &lib_uri,
        2,
        json!([{"text": format!("{SCHEMA}tag vip = paid +\n")}]),
    );
    let diagnostics = client.diagnostics(&main_uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("has errors")
    );
    assert_eq!(range(&diagnostics[0]), (0, 0, 0, 19));
    assert_eq!(client.shut_down(), 0);
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_works_in_a_document_that_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.corral");
    let good = format!(
        "{SCHEMA}let threshold = 10\ntag spender = sum(pay.amount) > threshold\nchannel sms when paid\n"
    );
    std::fs::write(&path, &good).unwrap();
    let uri = uri(&path);
    let mut client = Client::initialized();
    client.open(&uri, &good);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // Each case: the text of line 13 typed so far, and names that must (and must not) come.
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("tag t = count(pay where am", &["amount"], &["paid"]),
        (
            "tag t = count(pay where ",
            &["amount", "coupon", "at", "paid", "spender"],
            &[],
        ),
        ("tag t = last(pay).", &["amount", "coupon", "at"], &["paid"]),
        (
            "tag t = sum(pay.",
            &["amount", "coupon", "at"],
            &["spender"],
        ),
        ("tag t = exists(", &["pay"], &["paid"]),
        ("tag t = fo", &["follows_oa"], &["paid"]),
        ("tag t = i", &["in", "is"], &["id"]),
        ("tag t = 年", &["年龄"], &[]),
        ("segment s = sp", &["spender"], &[]),
        ("tag 新标签 = paid\nsegment s = (新", &["新标签"], &[]),
        ("tag t = gender == ", &["F", "M", "U"], &[]),
        ("tag t = thr", &["threshold"], &["spender"]),
        ("tag t = cou", &["count"], &[]),
        (
            "trigger x {\n  on pay\n  send \"hi\" via ",
            &["sms"],
            &["paid"],
        ),
    ];
    let mut version = 1;
    for (typed, want, not) in cases {
        version += 1;
        let text = format!("{good}{typed}");
        client.change(&uri, version, json!([{"text": text}]));
        let diagnostics = client.diagnostics(&uri);
        assert!(!diagnostics.is_empty(), "`{typed}` does not parse or check");
        let last_line = text.lines().count() as u32 - 1;
        let column = text.lines().last().unwrap().encode_utf16().count() as u32;
        let items = client.at("textDocument/completion", &uri, last_line, column);
        let got = labels(&items);
        for w in *want {
            assert!(
                got.iter().any(|g| g == w),
                "`{typed}`: {w} missing from {got:?}"
            );
        }
        for n in *not {
            assert!(
                !got.iter().any(|g| g == n),
                "`{typed}`: {n} unexpected in {got:?}"
            );
        }
    }

    // Hover and definition still answer in a broken document, from the last good one.
    let text = format!("{good}tag t = spender and last(pay).amount > (");
    client.change(&uri, 99, json!([{"text": text}]));
    assert!(!client.diagnostics(&uri).is_empty());
    let hover = client.at("textDocument/hover", &uri, 12, 10);
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("tag `spender`: `bool`"), "{shown}");
    let location = client.at("textDocument/definition", &uri, 12, 10);
    assert_eq!(range(&location), (10, 4, 10, 11));
    // Lines added above since: the definition follows its line.
    client.change(&uri, 100, json!([{"text": format!("# new\n\n{text}")}]));
    client.diagnostics(&uri);
    let location = client.at("textDocument/definition", &uri, 14, 10);
    assert_eq!(range(&location), (12, 4, 12, 11));
    let hover = client.at("textDocument/hover", &uri, 14, 32);
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("property `amount` of event `pay`"),
        "{shown}"
    );
    assert_eq!(client.shut_down(), 0);
}

#[test]
fn bad_input_gets_errors_not_a_crash() {
    let mut client = Client::start();
    // Before initialize: refused.
    let response = client.request("textDocument/hover", json!({}));
    assert_eq!(response["error"]["code"], -32002);

    let response = client.request("initialize", json!({"capabilities": {}}));
    assert!(
        response["result"]["capabilities"]["hoverProvider"]
            .as_bool()
            .unwrap()
    );

    // Malformed JSON, a frame without Content-Length (parse errors); JSON that is no
    // JSON-RPC message (invalid requests).
    client.send_raw("{\"jsonrpc\": \"2.0\", \"id\": ");
    let error = client.wait_for(|m| m.get("error").is_some());
    assert_eq!(error["error"]["code"], -32700);
    assert_eq!(error["id"], Value::Null);
    client
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"Content-Type: x\r\n\r\n")
        .unwrap();
    let error = client.wait_for(|m| m.get("error").is_some());
    assert_eq!(error["error"]["code"], -32700);
    client.send_raw("[1, 2]");
    let error = client.wait_for(|m| m.get("error").is_some());
    assert_eq!(error["error"]["code"], -32600);
    client.send_raw(r#"{"jsonrpc": "2.0", "id": {"no": 1}, "method": "x"}"#);
    let error = client.wait_for(|m| m.get("error").is_some());
    assert_eq!(error["error"]["code"], -32600);

    // An unknown method; bad params; a document that is not open; a position far out.
    let response = client.request("textDocument/frobnicate", json!({}));
    assert_eq!(response["error"]["code"], -32601);
    let response = client.request("textDocument/hover", json!({"nope": 1}));
    assert_eq!(response["error"]["code"], -32602);
    assert_eq!(
        client.at("textDocument/hover", "file:///nowhere/x.corral", 0, 0),
        Value::Null
    );
    let uri = "file:///nowhere/unsaved.corral";
    client.open(uri, "tag 会员 = true\n");
    client.diagnostics(uri);
    assert_eq!(client.at("textDocument/hover", uri, 99, 99), Value::Null);
    assert_eq!(
        client.at("textDocument/definition", uri, 0, 999),
        Value::Null
    );
    let items = client.at("textDocument/completion", uri, 4000, 1);
    assert!(items.is_array());
    // A change with a range past the end, and unknown notifications, are survived.
    client.change(
        uri,
        2,
        json!([{"range": {"start": {"line": 50, "character": 0}, "end": {"line": 0, "character": 3}}, "text": "x"}]),
    );
    client.diagnostics(uri);
    client.notify("$/cancelRequest", json!({"id": 1}));
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );

    assert_eq!(client.shut_down(), 0);
}

#[test]
fn exit_without_shutdown_is_exit_code_1() {
    let mut client = Client::initialized();
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), 1);
}

mod random_sessions {
    //! The server in-process, fed random edits and requests at random positions over
    //! text with multi-byte characters: no answer may be an internal error (a caught
    //! panic), and the session must end cleanly.

    use std::io::Cursor;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn frame(out: &mut Vec<u8>, message: Value) {
        let body = message.to_string();
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    #[derive(Debug, Clone)]
    enum Step {
        Replace(u32, u32, u32, u32, String),
        Ask(&'static str, u32, u32),
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("profile { id: string, 年龄: int, g: enum(F, M) }\n"),
                Just("event pay { amount: float }\n"),
                Just("tag 会员 = count(pay where amount > 1) > 0\n"),
                Just("segment s = 会员 and g == F, 😀\n"),
                Just("last(pay)."),
                Just("pay."),
                Just("(\"é\r\n"),
                Just("trigger t {\n on enter s\n send \"x\" via "),
                Just(" where "),
                Just("import \"nowhere.corral\"\n"),
            ],
            0..8,
        )
        .prop_map(|parts| parts.concat())
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0..8u32, 0..60u32, 0..8u32, 0..60u32, text())
                .prop_map(|(a, b, c, d, t)| Step::Replace(a, b, c, d, t)),
            (
                prop_oneof![
                    Just("textDocument/hover"),
                    Just("textDocument/definition"),
                    Just("textDocument/completion")
                ],
                0..8u32,
                0..60u32
            )
                .prop_map(|(m, l, c)| Step::Ask(m, l, c)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn no_request_fails_internally(initial in text(), steps in proptest::collection::vec(step(), 1..24)) {
            let uri = "file:///nowhere/random.corral";
            let mut input = Vec::new();
            frame(&mut input, json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}}));
            frame(&mut input, json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "corral", "version": 1, "text": initial}}}));
            for (i, step) in steps.iter().enumerate() {
                match step {
                    Step::Replace(l1, c1, l2, c2, text) => frame(&mut input, json!({
                        "jsonrpc": "2.0", "method": "textDocument/didChange",
                        "params": {"textDocument": {"uri": uri, "version": i + 2}, "contentChanges": [
                            {"range": {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}, "text": text}
                        ]}
                    })),
                    Step::Ask(method, line, character) => frame(&mut input, json!({
                        "jsonrpc": "2.0", "id": i + 1, "method": method,
                        "params": {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
                    })),
                }
            }
            frame(&mut input, json!({"jsonrpc": "2.0", "id": 1000, "method": "shutdown"}));
            frame(&mut input, json!({"jsonrpc": "2.0", "method": "exit"}));
            let mut output = Vec::new();
            let ending = corral::lsp::serve(Cursor::new(input), &mut output).unwrap();
            prop_assert_eq!(ending, corral::lsp::Ending::Clean);
            let text = String::from_utf8(output).unwrap();
            prop_assert!(!text.contains("-32603"), "an internal error: {}", text);
            let asked = steps.iter().filter(|s| matches!(s, Step::Ask(..))).count();
            // One answer per request (initialize, each question, shutdown).
            prop_assert_eq!(text.matches("\"id\":").count(), asked + 2);
        }
    }
}
