//! Pass 2: which `let`s, tags and segments use which; cycles; a checking order.

use std::collections::HashMap;

use super::{Checker, Decl, Node, codes};
use crate::ast::{self, ExprKind};
use crate::diagnostic::Diagnostic;
use crate::ir::{SegmentId, TagId};
use crate::source::Span;

/// The event aggregates: their first argument names an event type, and inside their
/// `where` filter that event's properties are in scope.
pub(super) const AGGREGATES: &[&str] = &[
    "count", "exists", "sum", "avg", "min", "max", "first", "last", "streak",
];

impl<'a> Checker<'a> {
    /// Every let, tag and segment, each after what it refers to; members of a cycle are
    /// reported and left out.
    pub(super) fn order_rules(&mut self) -> Vec<Node> {
        let nodes: Vec<Node> = (0..self.lets.len())
            .map(Node::Let)
            .chain((0..self.tags.len()).map(|i| Node::Tag(TagId(i as u32))))
            .chain((0..self.segments.len()).map(|i| Node::Segment(SegmentId(i as u32))))
            .collect();
        let edges: HashMap<Node, Vec<(Node, Span)>> = nodes
            .iter()
            .map(|&node| (node, self.references(node)))
            .collect();
        // A let named by another body is used, even if that body fails to check (a
        // cycle, a type error): otherwise the failure would also warn `unused_let`.
        for (target, _) in edges.values().flatten() {
            if let Node::Let(i) = *target {
                self.lets[i].used = true;
            }
        }

        let mut state: HashMap<Node, Visit> = HashMap::new();
        let mut order = Vec::new();
        for &root in &nodes {
            if state.contains_key(&root) {
                continue;
            }
            // Iterative depth-first search: chains of thousands of rules must not
            // overflow the stack. `path` holds the nodes being visited and the index of
            // the next edge to follow from each.
            let mut path: Vec<(Node, usize)> = vec![(root, 0)];
            state.insert(root, Visit::Active);
            while let Some((node, next)) = path.last().copied() {
                let out = edges.get(&node).map_or(&[][..], Vec::as_slice);
                if let Some(&(target, span)) = out.get(next) {
                    if let Some(top) = path.last_mut() {
                        top.1 += 1;
                    }
                    match state.get(&target) {
                        None => {
                            state.insert(target, Visit::Active);
                            path.push((target, 0));
                        }
                        Some(Visit::Active) => {
                            let start = path.iter().position(|(n, _)| *n == target).unwrap_or(0);
                            let members: Vec<Node> =
                                path[start..].iter().map(|(n, _)| *n).collect();
                            self.report_cycle(&members, span, &edges);
                            for m in members {
                                state.insert(m, Visit::Failed);
                            }
                        }
                        Some(Visit::Done | Visit::Failed) => {}
                    }
                } else {
                    path.pop();
                    if state.get(&node) == Some(&Visit::Active) {
                        state.insert(node, Visit::Done);
                        order.push(node);
                    }
                }
            }
        }
        order
    }

    /// The lets, tags and segments a node's body names (with where each is named).
    fn references(&self, node: Node) -> Vec<(Node, Span)> {
        let body = match node {
            Node::Let(i) => &self.lets[i].decl.value,
            Node::Tag(id) => &self.tags[id.0 as usize].decl.body,
            Node::Segment(id) => &self.segments[id.0 as usize].decl.body,
        };
        let mut out = Vec::new();
        self.collect_refs(body, &[], &mut out);
        out
    }

    /// `shadowed` are the names bound by an enclosing aggregate's event (its properties
    /// and `at`), which hide declarations of the same name inside its filter.
    fn collect_refs(&self, expr: &ast::Expr, shadowed: &[&str], out: &mut Vec<(Node, Span)>) {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.collect_refs_on_stack(expr, shadowed, out)
        })
    }

    fn collect_refs_on_stack(
        &self,
        expr: &ast::Expr,
        shadowed: &[&str],
        out: &mut Vec<(Node, Span)>,
    ) {
        match &expr.kind {
            ExprKind::Name(ident) => {
                if shadowed.contains(&ident.name.as_str()) {
                    return;
                }
                let node = match self.names.get(ident.name.as_str()) {
                    Some((Decl::Let(i), _)) => Node::Let(*i),
                    Some((Decl::Tag(id), _)) => Node::Tag(*id),
                    Some((Decl::Segment(id), _)) => Node::Segment(*id),
                    _ => return,
                };
                out.push((node, ident.span));
            }
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Duration(_)
            | ExprKind::Percent(_) => {}
            ExprKind::List(items) | ExprKind::Conjunction(items) => {
                for item in items {
                    self.collect_refs(item, shadowed, out);
                }
            }
            ExprKind::Unary { operand, .. } => self.collect_refs(operand, shadowed, out),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.collect_refs(lhs, shadowed, out);
                self.collect_refs(rhs, shadowed, out);
            }
            ExprKind::Matches { subject, .. } | ExprKind::Is { subject, .. } => {
                self.collect_refs(subject, shadowed, out)
            }
            ExprKind::Member { object, .. } => self.collect_refs(object, shadowed, out),
            ExprKind::Call(call) => {
                let event_names = self.aggregate_scope(call);
                for arg in &call.args {
                    // The event type itself is not a rule reference.
                    if event_names.is_none() {
                        self.collect_refs(arg, shadowed, out);
                    }
                }
                if let Some(filter) = &call.filter {
                    let mut inner: Vec<&str> = shadowed.to_vec();
                    inner.extend(event_names.unwrap_or_default());
                    self.collect_refs(filter, &inner, out);
                }
                if let Some(window) = &call.window {
                    self.collect_refs(&window.bound, shadowed, out);
                }
            }
            ExprKind::Case { arms, default } => {
                for arm in arms {
                    self.collect_refs(&arm.cond, shadowed, out);
                    self.collect_refs(&arm.value, shadowed, out);
                }
                if let Some(default) = default {
                    self.collect_refs(default, shadowed, out);
                }
            }
        }
    }

    /// For an aggregate over a declared event, the names its filter binds.
    pub(super) fn aggregate_scope(&self, call: &ast::Call) -> Option<Vec<&str>> {
        if !AGGREGATES.contains(&call.callee.name.as_str()) {
            return None;
        }
        let event = match call.args.first().map(|a| &a.kind) {
            Some(ExprKind::Name(n)) => n,
            Some(ExprKind::Member { object, .. }) => match &object.kind {
                ExprKind::Name(n) => n,
                _ => return None,
            },
            _ => return None,
        };
        let Some((Decl::Event(id), _)) = self.names.get(event.name.as_str()) else {
            return None;
        };
        let def = self.program.schema.event_def(*id);
        let mut names: Vec<&str> = def.props.iter().map(|p| p.name.as_str()).collect();
        names.push("at");
        Some(names)
    }

    fn report_cycle(
        &mut self,
        members: &[Node],
        closing: Span,
        edges: &HashMap<Node, Vec<(Node, Span)>>,
    ) {
        let names: Vec<String> = members.iter().map(|n| self.node_name(*n)).collect();
        let mut path = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>();
        path.push(format!("`{}`", names[0]));
        let first = members[0];
        let mut d = Diagnostic::error(
            codes::CYCLE,
            self.node_span(first),
            format!(
                "{} `{}` depends on itself: {}",
                self.node_kind(first),
                names[0],
                path.join(" → ")
            ),
        )
        .with_label("defined here");
        // One note at each reference that closes a link of the cycle.
        for (i, &member) in members.iter().enumerate() {
            let next = members[(i + 1) % members.len()];
            let span = edges
                .get(&member)
                .and_then(|out| out.iter().find(|(n, _)| *n == next).map(|(_, s)| *s))
                .unwrap_or(closing);
            d = d.with_note(
                span,
                format!("`{}` uses `{}` here", names[i], self.node_name(next)),
            );
        }
        d.help = Some(
            "a tag, segment or let cannot be defined in terms of itself; break the cycle".into(),
        );
        self.error(d);
    }

    fn node_name(&self, node: Node) -> String {
        match node {
            Node::Let(i) => self.lets[i].decl.name.name.clone(),
            Node::Tag(id) => self.tags[id.0 as usize].decl.name.name.clone(),
            Node::Segment(id) => self.segments[id.0 as usize].decl.name.name.clone(),
        }
    }

    fn node_span(&self, node: Node) -> Span {
        match node {
            Node::Let(i) => self.lets[i].decl.name.span,
            Node::Tag(id) => self.tags[id.0 as usize].decl.name.span,
            Node::Segment(id) => self.segments[id.0 as usize].decl.name.span,
        }
    }

    fn node_kind(&self, node: Node) -> &'static str {
        match node {
            Node::Let(_) => "let",
            Node::Tag(_) => "tag",
            Node::Segment(_) => "segment",
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Visit {
    Active,
    Done,
    Failed,
}
