//! The engine-neutral part of a journey report: the counted nodes, links and most taken paths of the anchored
//! paths (each engine counts them in its own SQL) shaped into a [`PathReport`].

use std::collections::HashMap;

use crate::{
    MAX_NODES_PER_STEP, OTHER_NODE, PathDirection, PathLink, PathNode, PathNodes, PathQuery,
    PathReport, TopPath,
};

/// What an engine counted: nodes `(step, name, sessions, exits)`, links `(step of the source, source, target,
/// sessions)` and the most taken paths `(steps, sessions, exited)` (at most [`crate::TOP_PATHS`], in any order).
pub(crate) type Counted = (
    Vec<(usize, String, u64, u64)>,
    Vec<(usize, String, String, u64)>,
    Vec<(Vec<String>, u64, bool)>,
);

/// The report with at most [`MAX_NODES_PER_STEP`] nodes per step (the rest of a step is one "(other)" node); its
/// sessions are those at the anchor (step 0).
pub(crate) fn shape(q: &PathQuery, counted: Counted) -> PathReport {
    let (mut nodes, links, mut top) = counted;
    let total = nodes.iter().filter(|n| n.0 == 0).map(|n| n.2).sum();
    top.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.cmp(&b.0))
            .then(a.2.cmp(&b.2))
    });
    nodes.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.2.cmp(&a.2))
            .then_with(|| a.1.cmp(&b.1))
    });
    let mut kept: HashMap<(usize, String), String> = HashMap::new();
    let mut shown: Vec<PathNode> = Vec::new();
    let mut rank = (usize::MAX, 0);
    for (step, name, sessions, exits) in nodes {
        rank = if rank.0 == step {
            (step, rank.1 + 1)
        } else {
            (step, 1)
        };
        let label = if rank.1 <= MAX_NODES_PER_STEP {
            name.clone()
        } else {
            OTHER_NODE.to_string()
        };
        let id = format!("{step}:{label}");
        kept.insert((step, name.clone()), id.clone());
        match shown.iter_mut().find(|n| n.id == id) {
            Some(other) => {
                other.sessions += sessions;
                other.exits += exits;
            }
            None => shown.push(PathNode {
                kind: node_kind(q.nodes, &label).to_string(),
                id,
                step,
                name: label,
                sessions,
                exits,
            }),
        }
    }
    let mut merged: Vec<PathLink> = Vec::new();
    for (step, source, target, sessions) in links {
        let (Some(source), Some(target)) =
            (kept.get(&(step, source)), kept.get(&(step + 1, target)))
        else {
            continue;
        };
        match merged
            .iter_mut()
            .find(|l| &l.source == source && &l.target == target)
        {
            Some(link) => link.sessions += sessions,
            None => merged.push(PathLink {
                source: source.clone(),
                target: target.clone(),
                sessions,
            }),
        }
    }
    merged.sort_by(|a, b| {
        b.sessions
            .cmp(&a.sessions)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.target.cmp(&b.target))
    });
    PathReport {
        direction: if q.start.is_none() && q.end.is_some() {
            PathDirection::Backward
        } else {
            PathDirection::Forward
        },
        anchor: q
            .start
            .clone()
            .or_else(|| q.end.clone().filter(|_| q.start.is_none()))
            .unwrap_or_else(|| "entry".into()),
        sessions: total,
        nodes: shown,
        links: merged,
        top_paths: top
            .into_iter()
            .map(|(steps, sessions, exited)| TopPath {
                steps,
                sessions,
                exited,
            })
            .collect(),
    }
}

fn node_kind(nodes: PathNodes, name: &str) -> &'static str {
    match nodes {
        _ if name == OTHER_NODE => "other",
        PathNodes::Pages => "page",
        PathNodes::Events => "event",
        // page groups are paths; event names are not
        PathNodes::All if name.starts_with('/') => "page",
        PathNodes::All => "event",
    }
}
