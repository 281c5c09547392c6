//! `course-generation`: a course outline from the brief in the last user message (lines
//! `Topic: …`, `Duration: N weeks`, `Difficulty: …`, and the `- ` items under
//! `Objectives:`, as the host's course route writes them). Modules follow the objectives
//! in order, each with topics, an exercise and a project built from its objective; the
//! texts are templates that say they are. No resource is invented: the offline model
//! knows no real addresses, so `resources` stays empty.

use super::MODEL;
use super::schema_fill::Seg;
use super::text;

/// What the brief asks for.
pub(crate) struct Brief {
    topic: String,
    weeks: u32,
    level: String,
    objectives: Vec<String>,
}

impl Brief {
    /// Reads the brief from the request's text; anything missing gets a plain default.
    pub(crate) fn read(user: &str) -> Brief {
        let mut brief = Brief {
            topic: String::new(),
            weeks: 4,
            level: "beginner".to_owned(),
            objectives: Vec::new(),
        };
        let mut in_objectives = false;
        for line in user.lines().map(str::trim) {
            let lower = line.to_ascii_lowercase();
            if let Some(rest) = lower.strip_prefix("topic:") {
                brief.topic = line[line.len() - rest.len()..].trim().to_owned();
            } else if let Some(rest) = lower.strip_prefix("duration:") {
                if let Some(n) = rest.split_whitespace().next().and_then(|n| n.parse().ok()) {
                    brief.weeks = n;
                }
            } else if let Some(rest) = lower.strip_prefix("difficulty:") {
                brief.level = rest.trim().to_owned();
            } else if lower.starts_with("objectives:") {
                in_objectives = true;
                continue;
            }
            if in_objectives {
                match line.strip_prefix("- ") {
                    Some(o) if !o.trim().is_empty() => brief.objectives.push(o.trim().to_owned()),
                    _ if line.is_empty() => {}
                    _ => in_objectives = false,
                }
            }
        }
        if brief.topic.is_empty() {
            brief.topic = text::sentences(user)
                .into_iter()
                .next()
                .unwrap_or_else(|| "the subject".to_owned());
        }
        if brief.objectives.is_empty() {
            brief.objectives.push(format!("Understand {}", brief.topic));
        }
        brief
    }

    /// The objective module `i` is built on: each in turn, again from the first when
    /// there are more modules than objectives.
    fn objective(&self, i: usize) -> &str {
        &self.objectives[i % self.objectives.len()]
    }

    fn goal(&self, i: usize) -> String {
        lower_first(self.objective(i))
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The path as keys and indices: `modules[2].topics[0].title` → (["modules", "topics",
/// "title"], [2, 0]).
fn shape(path: &[Seg]) -> (Vec<&str>, Vec<usize>) {
    let mut keys = Vec::new();
    let mut indices = Vec::new();
    for seg in path {
        match seg {
            Seg::Key(k) => keys.push(k.as_str()),
            Seg::Index(i) => indices.push(*i),
        }
    }
    (keys, indices)
}

const TOPIC_ANGLES: [&str; 3] = ["the idea", "in practice", "common mistakes"];

/// How many items the list at `path` gets.
pub(crate) fn length(path: &[Seg]) -> Option<usize> {
    // Only lists themselves (not their items) are sized here.
    if !matches!(path.last(), Some(Seg::Key(_))) {
        return None;
    }
    let (keys, _) = shape(path);
    Some(match keys.as_slice() {
        ["modules", "learning_objectives"] => 2,
        ["modules", "topics"] => 2,
        ["modules", "topics", "exercises"] => 1,
        ["modules", "assessment", "requirements"] => 3,
        ["prerequisites"] => 1,
        ["resources"] => 0,
        _ => return None,
    })
}

/// The text at `path`, if it is one the course has.
pub(crate) fn text(brief: &Brief, path: &[Seg]) -> Option<String> {
    let (keys, ix) = shape(path);
    let topic = &brief.topic;
    Some(match (keys.as_slice(), ix.as_slice()) {
        (["title"], []) => format!("{topic}: a {}-week course", brief.weeks),
        (["description"], []) => format!(
            "A {}-week {} course on {topic}, a module for each goal in turn: {}. Written \
             offline by {MODEL} from templates; review and edit it before publishing.",
            brief.weeks,
            brief.level,
            brief
                .objectives
                .iter()
                .map(|o| lower_first(o))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        (["modules", "title"], [i]) => format!("Part {}: {}", i + 1, brief.objective(*i)),
        (["modules", "learning_objectives"], [i, 0]) => brief.objective(*i).to_owned(),
        (["modules", "learning_objectives"], [i, _]) => {
            format!("Explain how to {} in your own words", brief.goal(*i))
        }
        (["modules", "topics", "title"], [i, j]) => {
            let objective = brief.objective(*i);
            format!("{objective}: {}", TOPIC_ANGLES[j % TOPIC_ANGLES.len()])
        }
        (["modules", "topics", "content"], [i, j]) => topic_text(brief, *i, *j),
        (["modules", "topics", "exercises", "title"], [i, j, _]) => match j {
            0 => format!("Write a short example that shows how to {}", brief.goal(*i)),
            _ => format!(
                "Find and fix the mistake in an example that tries to {}",
                brief.goal(*i)
            ),
        },
        (["modules", "assessment", "title"], [i]) => {
            format!("Project: {}", brief.objective(*i))
        }
        (["modules", "assessment", "requirements"], [i, r]) => match r {
            0 => format!(
                "Shows how to {} in a small piece of work of your own",
                brief.goal(*i)
            ),
            1 => "Explains each step in a sentence or a comment".to_owned(),
            _ => "Is tried on at least two examples, one of them an edge case".to_owned(),
        },
        (["prerequisites"], [_]) => {
            if brief.level == "beginner" {
                "None: curiosity and a computer are enough".to_owned()
            } else {
                format!("The basics of {topic}")
            }
        }
        _ => return None,
    })
}

/// Without a schema: the outline as text.
pub(crate) fn outline(brief: &Brief) -> String {
    let mut out = format!(
        "[{MODEL}] {}: a {}-week outline, one part per goal.\n",
        brief.topic, brief.weeks
    );
    for (i, o) in brief.objectives.iter().enumerate() {
        out.push_str(&format!("{}. {o}\n", i + 1));
    }
    out
}

fn topic_text(brief: &Brief, i: usize, j: usize) -> String {
    let goal = brief.goal(i);
    let topic = &brief.topic;
    match j % TOPIC_ANGLES.len() {
        0 => format!(
            "## The idea\n\nThis part of {topic} is about how to {goal}. Start from what you \
             already know: what would you try first, and why? Write down your guess before \
             reading on.\n\nThe key is to work in small steps: take one small example, do it \
             by hand, then say in one sentence what each step did.\n\n_(Template text by \
             {MODEL}: a teacher fills in the explanation before publishing.)_"
        ),
        1 => format!(
            "## In practice\n\nNow {goal} on a real example. Pick something small, do it \
             once, then change one thing and predict what changes before you check.\n\n\
             _(Template text by {MODEL}: a teacher adds a worked example before publishing.)_"
        ),
        _ => format!(
            "## Common mistakes\n\nWhen learners first {goal}, the usual slips are skipping \
             a step and not checking the result. For each step, ask: how do I know this \
             worked?\n\n_(Template text by {MODEL}: a teacher lists the real pitfalls \
             before publishing.)_"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BRIEF: &str = "Topic: Introduction to Python Programming\nDuration: 6 weeks\n\
        Difficulty: beginner\nLearning style: hands on\nObjectives:\n- Master Python syntax\n\
        - Build small programs\n- Debug and test code\n";

    fn path(parts: &[&str]) -> Vec<Seg> {
        parts
            .iter()
            .map(|p| match p.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key((*p).to_owned()),
            })
            .collect()
    }

    #[test]
    fn a_course_schema_is_filled_from_the_brief() {
        let text =
            |max: u32| serde_json::json!({"type": "string", "minLength": 1, "maxLength": max});
        let schema = serde_json::json!({"type": "object",
        "required": ["title", "modules", "prerequisites", "resources"],
        "properties": {
            "title": text(200),
            "modules": {"type": "array", "minItems": 6, "maxItems": 6, "items": {
                "type": "object", "required": ["title", "topics", "assessment"],
                "properties": {
                    "title": text(200),
                    "topics": {"type": "array", "minItems": 2, "maxItems": 3, "items": {
                        "type": "object", "required": ["title", "content", "exercises"],
                        "properties": {"title": text(200), "content": text(8000),
                            "exercises": {"type": "array", "minItems": 1, "maxItems": 2,
                                "items": {"type": "object", "required": ["title"],
                                          "properties": {"title": text(300)}}}}}},
                    "assessment": {"type": "object", "required": ["title", "requirements"],
                        "properties": {"title": text(200), "requirements": {"type": "array",
                            "minItems": 2, "maxItems": 5, "items": text(300)}}}}}},
            "prerequisites": {"type": "array", "maxItems": 5, "items": text(200)},
            "resources": {"type": "array", "maxItems": 5, "items": {"type": "object"}}
        }});
        let reply = crate::reply("course-generation", &[("user", BRIEF)], Some(&schema));
        let value: serde_json::Value = serde_json::from_str(&reply).unwrap();
        let errors = json_schema::Schema::compile(schema.clone())
            .unwrap()
            .validate(&value);
        assert!(errors.is_empty(), "{errors:?} {value}");
        assert_eq!(
            value["title"],
            "Introduction to Python Programming: a 6-week course"
        );
        let modules = value["modules"].as_array().unwrap();
        assert_eq!(modules[2]["title"], "Part 3: Debug and test code");
        assert_eq!(modules[0]["topics"].as_array().unwrap().len(), 2);
        assert!(
            modules[0]["topics"][1]["content"]
                .as_str()
                .unwrap()
                .contains("master Python syntax")
        );
        assert_eq!(
            modules[5]["assessment"]["requirements"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(value["resources"], serde_json::json!([]));
    }

    #[test]
    fn the_brief_is_read_from_the_request_lines() {
        let b = Brief::read(BRIEF);
        assert_eq!(b.topic, "Introduction to Python Programming");
        assert_eq!(b.weeks, 6);
        assert_eq!(b.objectives.len(), 3);
        // Modules past the last objective start over from the first.
        assert_eq!(
            text(&b, &path(&["modules", "3", "title"])).unwrap(),
            "Part 4: Master Python syntax"
        );
        assert_eq!(
            text(&b, &path(&["modules", "1", "topics", "0", "title"])).unwrap(),
            "Build small programs: the idea"
        );
        assert_eq!(length(&path(&["resources"])), Some(0));
        assert_eq!(length(&path(&["modules", "0", "topics"])), Some(2));
    }
}
