//! Which mail is a patch, and which patches make one series version: grouped by thread (cover
//! letter, `In-Reply-To`/`References`) and `[PATCH vN n/m]`, a new version being a new series even
//! when sent in reply to the old one. A series is ready once all its patches are there, or once
//! the settle time has passed since its last patch was first seen.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::review::mail::{self, InputFile, Message};
use crate::review::patch;

use super::state::Answered;

/// A patch or cover letter, as read from its bytes.
#[derive(Clone, Debug)]
pub struct PatchMail {
    pub message: Message,
    pub version: u32,
    /// `(n, m)` of `[PATCH n/m]`; a lone `[PATCH]` is `(1, 1)`.
    pub number: (u32, u32),
    pub first_seen: i64,
}

impl PatchMail {
    /// Reads a message: `None` unless it is a patch (a `[PATCH …]` subject and a diff) or a
    /// cover letter (`[PATCH 0/m]`), not a reply.
    pub fn read(bytes: &[u8], first_seen: i64) -> Option<PatchMail> {
        let input = InputFile {
            name: "message".into(),
            bytes: bytes.to_vec(),
        };
        let message = mail::read_messages(&input, 0).ok()?.into_iter().next()?;
        if !message.is_mail || message.is_reply {
            return None;
        }
        let tags = subject_tags(&message.subject);
        if !tags.iter().any(|t| t.eq_ignore_ascii_case("PATCH")) {
            return None;
        }
        let number = message.number.unwrap_or((1, 1));
        let is_cover = number.0 == 0;
        let has_diff = message
            .patch
            .as_ref()
            .is_some_and(|p| patch::parse(&p.text).is_ok_and(|files| !files.is_empty()));
        if !is_cover && !has_diff {
            return None;
        }
        let version = tags
            .iter()
            .find_map(|t| t.strip_prefix(['v', 'V'])?.parse().ok())
            .unwrap_or(1);
        Some(PatchMail {
            message,
            version,
            number,
            first_seen,
        })
    }

    fn author(&self) -> Option<String> {
        self.message
            .author
            .as_ref()
            .map(|a| a.addr.to_ascii_lowercase())
    }
}

/// The words of a subject's leading `[…]` groups: `[RFC PATCH v2 1/3]` → RFC, PATCH, v2, 1/3.
fn subject_tags(subject: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = subject.trim_start();
    loop {
        let lower = rest.to_ascii_lowercase();
        if let Some(prefix) = ["fwd:", "fw:"].iter().find(|p| lower.starts_with(**p)) {
            rest = rest[prefix.len()..].trim_start();
            continue;
        }
        let Some(inner) = rest.strip_prefix('[') else {
            break;
        };
        let Some(close) = inner.find(']') else {
            break;
        };
        tags.extend(
            inner[..close]
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        );
        rest = inner[close + 1..].trim_start();
    }
    tags
}

/// A series version: its mail (indices into the waiting list, in arrival order).
#[derive(Debug, PartialEq, Eq)]
pub struct Series {
    pub key: String,
    pub members: Vec<usize>,
    pub version: u32,
    pub total: u32,
    /// It arrived after its series was reviewed.
    pub late: bool,
}

impl Series {
    /// The numbers `1..=total` that no member has.
    pub fn missing(&self, mails: &[PatchMail]) -> Vec<u32> {
        if self.late {
            return Vec::new();
        }
        let present: BTreeSet<u32> = self.members.iter().map(|&i| mails[i].number.0).collect();
        (1..=self.total).filter(|n| !present.contains(n)).collect()
    }

    /// Complete, or its last mail was first seen `settle` seconds ago or more.
    pub fn is_ready(&self, mails: &[PatchMail], now: i64, settle: u64) -> bool {
        let last = self.members.iter().map(|&i| mails[i].first_seen).max();
        self.missing(mails).is_empty()
            || last.is_some_and(|last| now.saturating_sub(last) >= settle as i64)
    }
}

/// What a message's thread leads to: a waiting mail, or an answered series.
enum Parent {
    Waiting(usize),
    Answered,
}

/// Groups the waiting mail into series versions. `answered` names the series already reviewed,
/// so that a patch replying into one is recognised as late.
pub fn group(mails: &[PatchMail], answered: &BTreeMap<String, Answered>) -> Vec<Series> {
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (index, mail) in mails.iter().enumerate() {
        if let Some(id) = &mail.message.message_id {
            by_id.entry(id.as_str()).or_insert(index);
        }
    }
    let mut answered_ids: HashMap<&str, u32> = HashMap::new();
    for series in answered.values() {
        for id in &series.message_ids {
            answered_ids.insert(id.as_str(), series.version);
        }
    }
    // The nearest ancestor of the same version: the thread's `References`, nearest last.
    let parent = |index: usize| -> Option<Parent> {
        let mail = &mails[index];
        let own = mail.message.message_id.as_deref();
        for id in mail.message.references.iter().rev() {
            if Some(id.as_str()) == own {
                continue;
            }
            if let Some(&other) = by_id.get(id.as_str()) {
                if mails[other].version == mail.version && other != index {
                    return Some(Parent::Waiting(other));
                }
            }
            if answered_ids.get(id.as_str()) == Some(&mail.version) {
                return Some(Parent::Answered);
            }
        }
        None
    };
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut late = Vec::new();
    let mut orphans = Vec::new();
    for index in 0..mails.len() {
        let mut current = index;
        let mut steps = 0;
        let root = loop {
            match parent(current) {
                Some(Parent::Waiting(up)) if steps < mails.len() => {
                    current = up;
                    steps += 1;
                }
                Some(Parent::Answered) => break None,
                _ => break Some(current),
            }
        };
        match root {
            Some(root) => {
                if root == index && parent(index).is_none() {
                    orphans.push(index);
                }
                groups.entry(root).or_default().push(index);
            }
            None => late.push(index),
        }
    }
    // A lone numbered patch joins a series of its version, total and author that lacks it.
    for index in orphans {
        let mail = &mails[index];
        if mail.number.0 == 0 || groups.get(&index).is_none_or(|g| g.len() != 1) {
            continue;
        }
        let target = groups.iter().find_map(|(&root, members)| {
            let first = &mails[members[0]];
            let fits = root != index
                && first.version == mail.version
                && members.iter().all(|&m| {
                    mails[m].number.1 == mail.number.1 && mails[m].number.0 != mail.number.0
                })
                && first.author() == mail.author();
            fits.then_some(root)
        });
        if let Some(target) = target {
            groups.remove(&index);
            if let Some(members) = groups.get_mut(&target) {
                members.push(index);
                members.sort_unstable();
            }
        }
    }
    let key_of = |index: usize, what: &str| {
        let mail = &mails[index];
        let id = mail.message.message_id.clone().unwrap_or_else(|| {
            format!(
                "<{:016x}>",
                crate::review::report::fnv1a(mail.message.subject.as_bytes())
            )
        });
        format!("{id} v{}{what}", mail.version)
    };
    let mut series: Vec<Series> = groups
        .into_iter()
        .map(|(root, members)| Series {
            key: key_of(root, ""),
            version: mails[root].version,
            total: members
                .iter()
                .map(|&m| mails[m].number.1)
                .max()
                .unwrap_or(1),
            members,
            late: false,
        })
        .collect();
    series.extend(late.into_iter().map(|index| Series {
        key: key_of(index, " late"),
        members: vec![index],
        version: mails[index].version,
        total: 1,
        late: true,
    }));
    series.sort_by(|a, b| a.members[0].cmp(&b.members[0]));
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(subject: &str, id: &str, refs: &str, seen: i64) -> PatchMail {
        let text = format!(
            "From: A <a@x>\nSubject: {subject}\nMessage-ID: {id}\nReferences: {refs}\n\n\
             body\n---\ndiff --git a/x.rs b/x.rs\n--- a/x.rs\n+++ b/x.rs\n@@ -1 +1 @@\n-a\n+b\n"
        );
        PatchMail::read(text.as_bytes(), seen).expect("a patch")
    }

    #[test]
    fn tags_and_kinds() {
        assert_eq!(
            subject_tags("[RFC PATCH v2 1/3] x"),
            ["RFC", "PATCH", "v2", "1/3"]
        );
        assert_eq!(
            subject_tags("[PATCH net-next][v3] y"),
            ["PATCH", "net-next", "v3"]
        );
        let m = mail("[PATCH v3 2/4] x", "<a@x>", "", 0);
        assert_eq!((m.version, m.number), (3, (2, 4)));
        assert!(PatchMail::read(b"From: a@x\nSubject: Re: [PATCH] x\n\nok\n", 0).is_none());
        assert!(PatchMail::read(b"From: a@x\nSubject: hello\n\nhi\n", 0).is_none());
        assert!(PatchMail::read(b"From: a@x\nSubject: [PATCH 0/2] c\n\nhi\n", 0).is_some());
    }

    #[test]
    fn threads_versions_and_lone_resends() {
        let mails = vec![
            mail("[PATCH 0/2] c", "<c1@x>", "", 0),
            mail("[PATCH 1/2] a", "<p1@x>", "<c1@x>", 0),
            mail("[PATCH 2/2] b", "<p2@x>", "<c1@x>", 0),
            mail("[PATCH v2 0/2] c", "<c2@x>", "<c1@x>", 5),
            mail("[PATCH v2 1/2] a", "<q1@x>", "<c1@x> <c2@x>", 5),
            mail("[PATCH v2 2/2] b", "<q2@x>", "", 9),
        ];
        let series = group(&mails, &BTreeMap::new());
        let keys: Vec<(&str, &[usize])> = series
            .iter()
            .map(|s| (s.key.as_str(), s.members.as_slice()))
            .collect();
        assert_eq!(
            keys,
            [("<c1@x> v1", &[0, 1, 2][..]), ("<c2@x> v2", &[3, 4, 5][..])]
        );
        assert!(series.iter().all(|s| s.missing(&mails).is_empty()));
        // Without 2/2, v2 waits for the settle time after its last mail (seen at 5).
        let partial = &mails[..5];
        let v2 = &group(partial, &BTreeMap::new())[1];
        assert_eq!(v2.missing(partial), [2]);
        assert!(!v2.is_ready(partial, 604, 600));
        assert!(v2.is_ready(partial, 605, 600));
    }

    #[test]
    fn a_patch_into_an_answered_series_is_late() {
        let mut answered = BTreeMap::new();
        answered.insert(
            "<c1@x> v1".to_string(),
            Answered {
                message_ids: vec!["<c1@x>".into(), "<p1@x>".into()],
                version: 1,
                total: 2,
                at: 0,
            },
        );
        let mails = vec![mail("[PATCH 2/2] b", "<p2@x>", "<c1@x>", 0)];
        let series = group(&mails, &answered);
        assert_eq!(series[0].key, "<p2@x> v1 late");
        assert!(series[0].late);
    }
}
