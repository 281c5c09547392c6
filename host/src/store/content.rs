//! Content packs in the database: one transaction replaces a pack's rows.

use sqlx::Row;

use super::{Db, StoreError, now_ms};
use crate::content::pack::Pack;
use crate::content::spec::{StepKind, StepSpec};

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// The pack was new.
    New,
    /// The pack changed (another version or other files): its rows were replaced.
    Updated,
    /// The same files were imported before: nothing changed.
    Unchanged,
}

/// An id the pack uses that another pack already owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// `track`, `course`, `module`, `lesson` or `step`.
    pub what: &'static str,
    /// The id.
    pub id: String,
    /// The pack owning it.
    pub owner: String,
}

/// A stored pack (also what `GET /api/v1/admin/content/packs` lists).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StoredPack {
    /// Id.
    pub id: String,
    /// The version imported (no history is kept: a new version replaces the old).
    pub version: String,
    /// Title.
    pub title: String,
    /// Lessons.
    pub lessons: i64,
    /// Steps.
    pub steps: i64,
    /// When it was last imported, RFC 3339.
    pub imported_at: String,
}

/// The catalog listings of `pack`'s courses: their fields, the track's title as the
/// category when a course names none, and their lessons' minutes.
fn pack_listings(pack: &Pack) -> Vec<super::catalog::PackListing<'_>> {
    let mut listings = Vec::new();
    for track in &pack.file.tracks {
        for course in &track.courses {
            let modules: Vec<&str> = course.modules.iter().map(|m| m.id.as_str()).collect();
            let estimated_minutes = pack
                .lessons
                .iter()
                .filter(|l| modules.contains(&l.module_id.as_str()))
                .filter_map(|l| l.estimated_minutes)
                .map(i64::from)
                .sum();
            listings.push(super::catalog::PackListing {
                course_id: &course.id,
                title: &course.title,
                description: &course.description,
                short_description: course.short_description.as_deref(),
                difficulty: course.difficulty.as_deref().unwrap_or("beginner"),
                estimated_minutes,
                category: course.category.as_deref().unwrap_or(&track.title),
                tags: &course.tags,
                objectives: &course.objectives,
                prerequisites: &course.prerequisites,
                thumbnail_url: course.thumbnail_url.as_deref(),
                preview_video_url: course.preview_video_url.as_deref(),
            });
        }
    }
    listings
}

impl Db {
    /// The checksum of the stored pack `id`, if it was imported.
    pub async fn pack_checksum(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query("SELECT checksum FROM content_packs WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .map(|r| r.try_get("checksum"))
                .transpose()?,
        )
    }

    /// The ids of `pack` that other packs own.
    pub async fn content_clashes(&self, pack: &Pack) -> Result<Vec<Clash>, StoreError> {
        let mut ids: Vec<(&'static str, &'static str, &str)> = Vec::new();
        for t in &pack.file.tracks {
            ids.push(("track", "tracks", &t.id));
            for c in &t.courses {
                ids.push(("course", "courses", &c.id));
                for m in &c.modules {
                    ids.push(("module", "modules", &m.id));
                }
            }
        }
        for l in &pack.lessons {
            ids.push(("lesson", "lessons", &l.id));
            for s in &l.steps {
                ids.push(("step", "steps", &s.id));
            }
        }
        let mut clashes = Vec::new();
        for (what, table, id) in ids {
            // The table name is one of the constants above, never input.
            let owner: Option<String> = sqlx::query(&format!(
                "SELECT pack_id FROM {table} WHERE id = $1 AND pack_id <> $2"
            ))
            .bind(id)
            .bind(&pack.file.id)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get("pack_id"))
            .transpose()?;
            if let Some(owner) = owner {
                clashes.push(Clash {
                    what,
                    id: id.to_owned(),
                    owner,
                });
            }
        }
        Ok(clashes)
    }

    /// Stores `pack`, replacing an earlier import of it; nothing when its checksum is
    /// the stored one.
    pub async fn import_pack(&self, pack: &Pack) -> Result<Imported, StoreError> {
        self.import_pack_by(pack, None).await
    }

    /// [`Db::import_pack`] for an upload by `author`, who becomes the author of the pack's
    /// new listings.
    pub async fn import_pack_by(
        &self,
        pack: &Pack,
        author: Option<super::catalog::ListingAuthor<'_>>,
    ) -> Result<Imported, StoreError> {
        let stored = self.pack_checksum(&pack.file.id).await?;
        if stored.as_deref() == Some(pack.checksum.as_str()) {
            return Ok(Imported::Unchanged);
        }
        let mut tx = self.begin_write().await?;
        for table in [
            "steps",
            "lessons",
            "modules",
            "courses",
            "tracks",
            "content_packs",
        ] {
            let column = if table == "content_packs" {
                "id"
            } else {
                "pack_id"
            };
            sqlx::query(&format!("DELETE FROM {table} WHERE {column} = $1"))
                .bind(&pack.file.id)
                .execute(&mut *tx)
                .await?;
        }
        let p = &pack.file;
        sqlx::query(
            "INSERT INTO content_packs (id, version, title, description, checksum, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&p.id)
        .bind(&p.version)
        .bind(&p.title)
        .bind(&p.description)
        .bind(&pack.checksum)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        for (ti, t) in p.tracks.iter().enumerate() {
            sqlx::query(
                "INSERT INTO tracks (id, pack_id, position, title, description) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&t.id)
            .bind(&p.id)
            .bind(ti as i64)
            .bind(&t.title)
            .bind(&t.description)
            .execute(&mut *tx)
            .await?;
            for (ci, c) in t.courses.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO courses (id, pack_id, track_id, position, title, description) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&c.id)
                .bind(&p.id)
                .bind(&t.id)
                .bind(ci as i64)
                .bind(&c.title)
                .bind(&c.description)
                .execute(&mut *tx)
                .await?;
                for (mi, m) in c.modules.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO modules (id, pack_id, course_id, position, title) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&m.id)
                    .bind(&p.id)
                    .bind(&c.id)
                    .bind(mi as i64)
                    .bind(&m.title)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        for l in &pack.lessons {
            sqlx::query(
                "INSERT INTO lessons (id, pack_id, module_id, position, title, topic, summary, \
                 estimated_minutes, prerequisites) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&l.id)
            .bind(&p.id)
            .bind(&l.module_id)
            .bind(i64::from(l.position))
            .bind(&l.title)
            .bind(&l.topic)
            .bind(&l.summary)
            .bind(l.estimated_minutes.map(i64::from))
            .bind(serde_json::to_string(&l.prerequisites).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
            for (si, s) in l.steps.iter().enumerate() {
                let spec = s
                    .spec
                    .to_json()
                    .map_err(|e| StoreError::Corrupt(format!("step `{}`: {e}", s.id)))?;
                sqlx::query(
                    "INSERT INTO steps (id, pack_id, lesson_id, position, kind, title, body, xp, spec) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&s.id)
                .bind(&p.id)
                .bind(&l.id)
                .bind(si as i64)
                .bind(s.kind())
                .bind(&s.title)
                .bind(&s.body)
                .bind(i64::from(s.xp))
                .bind(spec)
                .execute(&mut *tx)
                .await?;
            }
        }
        super::catalog::write_pack_listings(&mut tx, &p.id, &pack_listings(pack), author).await?;
        tx.commit().await?;
        self.forget_catalog_counts();
        Ok(if stored.is_some() {
            Imported::Updated
        } else {
            Imported::New
        })
    }

    /// The stored packs with their sizes.
    pub async fn content_packs(&self) -> Result<Vec<StoredPack>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.version, p.title, p.imported_at, \
             (SELECT COUNT(*) FROM lessons l WHERE l.pack_id = p.id) AS lessons, \
             (SELECT COUNT(*) FROM steps s WHERE s.pack_id = p.id) AS steps \
             FROM content_packs p ORDER BY p.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredPack {
                    id: r.try_get("id")?,
                    version: r.try_get("version")?,
                    title: r.try_get("title")?,
                    lessons: r.try_get("lessons")?,
                    steps: r.try_get("steps")?,
                    imported_at: super::rfc3339(r.try_get("imported_at")?),
                })
            })
            .collect()
    }

    /// What identifies the stored content: every pack's id and checksum. It changes with
    /// every import that writes, so a cached catalog knows when to reload.
    pub async fn content_stamp(&self) -> Result<String, StoreError> {
        let rows = sqlx::query("SELECT id, checksum FROM content_packs ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        let mut stamp = String::new();
        for r in rows {
            let id: String = r.try_get("id")?;
            let checksum: String = r.try_get("checksum")?;
            stamp.push_str(&id);
            stamp.push(':');
            stamp.push_str(&checksum);
            stamp.push(';');
        }
        Ok(stamp)
    }

    /// Every stored track, course, module, lesson and step, in order.
    pub async fn content_rows(&self) -> Result<ContentRows, StoreError> {
        let tracks = sqlx::query(
            "SELECT t.id, t.title, t.description FROM tracks t \
             JOIN content_packs p ON p.id = t.pack_id ORDER BY p.id, t.position",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(TrackRow {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let courses = sqlx::query(
            "SELECT id, track_id, title, description FROM courses ORDER BY track_id, position",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(CourseRow {
                id: r.try_get("id")?,
                track_id: r.try_get("track_id")?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let modules =
            sqlx::query("SELECT id, course_id, title FROM modules ORDER BY course_id, position")
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| {
                    Ok(ModuleRow {
                        id: r.try_get("id")?,
                        course_id: r.try_get("course_id")?,
                        title: r.try_get("title")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?;
        let lessons = sqlx::query(
            "SELECT id, module_id, title, topic, summary, estimated_minutes, prerequisites \
             FROM lessons ORDER BY module_id, position",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let prerequisites: String = r.try_get("prerequisites")?;
            Ok(LessonRow {
                id: r.try_get("id")?,
                module_id: r.try_get("module_id")?,
                title: r.try_get("title")?,
                topic: r.try_get("topic")?,
                summary: r.try_get("summary")?,
                estimated_minutes: r.try_get("estimated_minutes")?,
                prerequisites: serde_json::from_str(&prerequisites).unwrap_or_default(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let steps = sqlx::query(
            "SELECT id, lesson_id, kind, title, body, xp, spec FROM steps \
             ORDER BY lesson_id, position",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let kind: StepKind = r.try_get("kind")?;
            let spec: String = r.try_get("spec")?;
            Ok(StepRow {
                id: r.try_get("id")?,
                lesson_id: r.try_get("lesson_id")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                xp: r.try_get("xp")?,
                spec: StepSpec::parse(kind, &spec).map_err(|e| sqlx::Error::ColumnDecode {
                    index: "spec".into(),
                    source: Box::new(e),
                })?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        Ok(ContentRows {
            tracks,
            courses,
            modules,
            lessons,
            steps,
        })
    }
}

/// Stored content, in order (tracks by pack and position; the rest by parent and position).
#[derive(Debug, Default)]
pub struct ContentRows {
    /// Tracks.
    pub tracks: Vec<TrackRow>,
    /// Courses.
    pub courses: Vec<CourseRow>,
    /// Modules.
    pub modules: Vec<ModuleRow>,
    /// Lessons.
    pub lessons: Vec<LessonRow>,
    /// Steps.
    pub steps: Vec<StepRow>,
}

/// A stored track.
#[derive(Debug, Clone)]
pub struct TrackRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// A stored course.
#[derive(Debug, Clone)]
pub struct CourseRow {
    /// Id.
    pub id: String,
    /// Its track.
    pub track_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// A stored module.
#[derive(Debug, Clone)]
pub struct ModuleRow {
    /// Id.
    pub id: String,
    /// Its course.
    pub course_id: String,
    /// Title.
    pub title: String,
}

/// A stored lesson.
#[derive(Debug, Clone)]
pub struct LessonRow {
    /// Id.
    pub id: String,
    /// Its module.
    pub module_id: String,
    /// Title.
    pub title: String,
    /// Topic.
    pub topic: String,
    /// Summary.
    pub summary: String,
    /// Estimated minutes.
    pub estimated_minutes: Option<i64>,
    /// Lessons to complete first.
    pub prerequisites: Vec<String>,
}

/// A stored step.
#[derive(Debug, Clone)]
pub struct StepRow {
    /// Id.
    pub id: String,
    /// Its lesson.
    pub lesson_id: String,
    /// Title.
    pub title: String,
    /// Markdown text.
    pub body: String,
    /// XP.
    pub xp: i64,
    /// The kind's data (question, tests, rubric), which also says the kind.
    pub spec: StepSpec,
}

impl StepRow {
    /// The step's kind.
    pub fn kind(&self) -> StepKind {
        self.spec.kind()
    }
}

#[cfg(test)]
mod tests {
    use crate::content::pack::tests::Fixture;
    use crate::store::content::Imported;
    use crate::store::testing;

    #[tokio::test]
    async fn an_imported_pack_reads_back_in_order_with_its_counts() {
        let (db, _dir) = testing::sqlite().await;
        let pack = Fixture::new().load().unwrap();
        assert_eq!(db.import_pack(&pack).await.unwrap(), Imported::New);
        let rows = db.content_rows().await.unwrap();
        assert_eq!(rows.tracks[0].id, "t");
        assert_eq!(
            (
                rows.courses[0].track_id.as_str(),
                rows.modules[0].course_id.as_str()
            ),
            ("t", "c")
        );
        let lessons: Vec<(&str, &str)> = rows
            .lessons
            .iter()
            .map(|l| (l.id.as_str(), l.module_id.as_str()))
            .collect();
        assert_eq!(lessons, [("a", "m"), ("b", "m")]);
        assert_eq!(rows.lessons[1].prerequisites, ["a"]);
        let steps: Vec<(&str, &str, i64)> = rows
            .steps
            .iter()
            .map(|s| (s.id.as_str(), s.lesson_id.as_str(), s.xp))
            .collect();
        assert_eq!(
            steps,
            [
                ("a.intro", "a", 0),
                ("a.q1", "a", 10),
                ("b.code", "b", 20),
                ("b.project", "b", 50)
            ]
        );
        assert_eq!(rows.steps[0].body, "# Values\nA value is data.");
        let packs = db.content_packs().await.unwrap();
        assert_eq!(packs.len(), 1);
        assert_eq!(
            (packs[0].id.as_str(), packs[0].lessons, packs[0].steps),
            ("demo", 2, 4)
        );
    }

    #[tokio::test]
    async fn a_new_version_replaces_the_old_rows_and_the_stamp() {
        let (db, _dir) = testing::sqlite().await;
        let fixture = Fixture::new();
        db.import_pack(&fixture.load().unwrap()).await.unwrap();
        let stamp = db.content_stamp().await.unwrap();
        assert!(stamp.starts_with("demo:"), "{stamp}");
        // Version 2 drops lesson `b`.
        fixture.edit("pack.json", |p| {
            p["version"] = serde_json::json!("2.0.0");
            p["tracks"][0]["courses"][0]["modules"][0]["lessons"] = serde_json::json!(["a"]);
        });
        let smaller = fixture.load().unwrap();
        assert_eq!(db.import_pack(&smaller).await.unwrap(), Imported::Updated);
        assert_eq!(db.import_pack(&smaller).await.unwrap(), Imported::Unchanged);
        let rows = db.content_rows().await.unwrap();
        assert_eq!(rows.lessons.len(), 1);
        assert!(
            rows.steps.iter().all(|s| s.lesson_id == "a"),
            "{:?}",
            rows.steps
        );
        assert_ne!(db.content_stamp().await.unwrap(), stamp);
        assert_eq!(db.content_packs().await.unwrap()[0].version, "2.0.0");
    }
}
