//! The content as the learning services read it: every track, course, module, lesson and
//! step in memory, in order, with lookups by id. Content changes only on import, so a
//! request reads a shared snapshot; a snapshot is checked against the database's content
//! stamp at most once per [`RECHECK`] and reloaded when an import (on this replica or
//! another) changed it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::store::content::{CourseRow, LessonRow, ModuleRow, StepRow, TrackRow};
use crate::store::{Db, StoreError};

/// The stamp of the catalog before the first load (no real stamp looks like it).
const UNLOADED: &str = "\u{0}unloaded";

/// How often a request may look for a newer content import.
const RECHECK: Duration = Duration::from_secs(2);

/// A lesson with its place in the content tree.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// The stored lesson.
    pub row: LessonRow,
    /// Its module.
    pub module: Arc<ModuleRow>,
    /// Its course.
    pub course: Arc<CourseRow>,
    /// Its track.
    pub track_id: String,
    /// Position across all content (tracks, then courses, modules, lessons in order): the
    /// order the lesson engine plans in.
    pub ordinal: u32,
    /// Its steps, in order.
    pub steps: Vec<Arc<Step>>,
}

/// A step with its lesson.
#[derive(Debug, Clone)]
pub struct Step {
    /// The stored step.
    pub row: StepRow,
    /// Its position in the lesson, from 0.
    pub position: usize,
}

/// All content, in order.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Tracks in order.
    pub tracks: Vec<TrackRow>,
    /// Courses in order.
    pub courses: Vec<Arc<CourseRow>>,
    /// Lessons in order.
    pub lessons: Vec<Arc<Lesson>>,
    lesson_index: HashMap<String, usize>,
    step_index: HashMap<String, (usize, usize)>,
}

impl Catalog {
    /// Builds the catalog from stored rows. Rows whose parent is missing are left out.
    pub fn build(rows: crate::store::content::ContentRows) -> Catalog {
        let mut catalog = Catalog {
            tracks: rows.tracks,
            ..Catalog::default()
        };
        let mut modules_by_course: HashMap<String, Vec<Arc<ModuleRow>>> = HashMap::new();
        for m in rows.modules {
            modules_by_course
                .entry(m.course_id.clone())
                .or_default()
                .push(Arc::new(m));
        }
        let mut lessons_by_module: HashMap<String, Vec<LessonRow>> = HashMap::new();
        for l in rows.lessons {
            lessons_by_module
                .entry(l.module_id.clone())
                .or_default()
                .push(l);
        }
        let mut steps_by_lesson: HashMap<String, Vec<StepRow>> = HashMap::new();
        for s in rows.steps {
            steps_by_lesson
                .entry(s.lesson_id.clone())
                .or_default()
                .push(s);
        }
        let mut courses_by_track: HashMap<String, Vec<CourseRow>> = HashMap::new();
        for c in rows.courses {
            courses_by_track
                .entry(c.track_id.clone())
                .or_default()
                .push(c);
        }
        let mut ordinal = 0u32;
        for t in &catalog.tracks {
            for c in courses_by_track.remove(&t.id).unwrap_or_default() {
                let course = Arc::new(c);
                catalog.courses.push(course.clone());
                for m in modules_by_course.remove(&course.id).unwrap_or_default() {
                    for l in lessons_by_module.remove(&m.id).unwrap_or_default() {
                        let steps = steps_by_lesson
                            .remove(&l.id)
                            .unwrap_or_default()
                            .into_iter()
                            .enumerate()
                            .map(|(position, row)| Arc::new(Step { row, position }))
                            .collect();
                        ordinal += 1;
                        catalog.lessons.push(Arc::new(Lesson {
                            row: l,
                            module: m.clone(),
                            course: course.clone(),
                            track_id: t.id.clone(),
                            ordinal,
                            steps,
                        }));
                    }
                }
            }
        }
        for (li, lesson) in catalog.lessons.iter().enumerate() {
            catalog.lesson_index.insert(lesson.row.id.clone(), li);
            for (si, step) in lesson.steps.iter().enumerate() {
                catalog.step_index.insert(step.row.id.clone(), (li, si));
            }
        }
        catalog
    }

    /// A lesson by id.
    pub fn lesson(&self, id: &str) -> Option<&Arc<Lesson>> {
        self.lesson_index.get(id).map(|&i| &self.lessons[i])
    }

    /// A step and its lesson by step id.
    pub fn step(&self, id: &str) -> Option<(&Arc<Lesson>, &Arc<Step>)> {
        self.step_index
            .get(id)
            .map(|&(l, s)| (&self.lessons[l], &self.lessons[l].steps[s]))
    }

    /// A track by id.
    pub fn track(&self, id: &str) -> Option<&TrackRow> {
        self.tracks.iter().find(|t| t.id == id)
    }

    /// The lessons of a track, in order.
    pub fn track_lessons<'a>(&'a self, track_id: &'a str) -> impl Iterator<Item = &'a Arc<Lesson>> {
        self.lessons.iter().filter(move |l| l.track_id == track_id)
    }

    /// The lessons of a course, in order.
    pub fn course_lessons<'a>(
        &'a self,
        course_id: &'a str,
    ) -> impl Iterator<Item = &'a Arc<Lesson>> {
        self.lessons
            .iter()
            .filter(move |l| l.course.id == course_id)
    }
}

/// The shared, self-refreshing catalog.
pub struct CatalogCache {
    db: Db,
    current: ArcSwap<(String, Arc<Catalog>)>,
    checked: std::sync::Mutex<Instant>,
    reload: tokio::sync::Mutex<()>,
}

impl CatalogCache {
    /// An empty cache over `db`; the first [`CatalogCache::get`] loads.
    pub fn new(db: Db) -> CatalogCache {
        CatalogCache {
            db,
            current: ArcSwap::from_pointee((
                String::from("\u{0}unloaded"),
                Arc::new(Catalog::default()),
            )),
            checked: std::sync::Mutex::new(Instant::now() - RECHECK * 2),
            reload: tokio::sync::Mutex::new(()),
        }
    }

    /// The current catalog, reloaded first when an import changed the content.
    pub async fn get(&self) -> Result<Arc<Catalog>, StoreError> {
        let due = {
            let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
            if checked.elapsed() >= RECHECK {
                *checked = Instant::now();
                true
            } else {
                false
            }
        };
        // Until the first load finishes every request waits for it (in `refresh`), or a
        // burst right after start-up would see an empty catalog.
        let unloaded = self.current.load().0 == UNLOADED;
        if due || unloaded {
            self.refresh().await?;
        }
        Ok(self.current.load().1.clone())
    }

    /// [`CatalogCache::get`] with the stamp of the content it was built from (changes with
    /// every import): what the edge caches lesson content under.
    pub async fn get_stamped(&self) -> Result<(String, Arc<Catalog>), StoreError> {
        self.get().await?;
        let current = self.current.load();
        Ok((current.0.clone(), current.1.clone()))
    }

    /// Reloads now if the stored content changed (after an import in this process).
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let _one = self.reload.lock().await;
        let stamp = self.db.content_stamp().await?;
        if self.current.load().0 != stamp {
            let catalog = Catalog::build(self.db.content_rows().await?);
            self.current.store(Arc::new((stamp, Arc::new(catalog))));
        }
        Ok(())
    }
}
