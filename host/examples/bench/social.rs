//! Issue 20's figures (docs/feed.md, docs/catalog.md, docs/benchmarks.md "Feed and
//! catalog"), on Postgres:
//!
//! 1. `GET /api/v1/feeds/personalized` for 64 learners who each follow the same 500
//!    people; those 500 have 100 000 feed items among them (200 each, spread over 29 days),
//!    and 1 500 people nobody in the bench follows add 51 000 more the query must pass
//!    over. 64 connections (one learner each), closed loop; goal p99 <= 30 ms. Then at 8
//!    connections with feeds kept (`--feed-cache-seconds 30`, the default) and ranked
//!    afresh on every read (a second server on the same database, `0`).
//! 2. `GET /api/v1/courses?search=<word>` over 10 000 published courses, 64 connections
//!    round-robin over 2 064 learners (the bench lifts the search limit, 30 a minute per
//!    learner, as it does the others: it measures the search, not the refusals).
//!    Goal p99 <= 20 ms.
//!
//! The data is written with SQL straight into the tables after the server migrated them
//! (`TESSERA_BENCH_DB=sqlite` runs the same on SQLite instead, seeded through `sqlite3`).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::{LEARNING_SECRET, fresh_postgres, psql, repo, seed_learners, serve_with};

/// Learners reading their feed.
const VIEWERS: usize = 64;
/// People each viewer follows.
const FOLLOWED: usize = 500;
/// Items of the people followed.
const ITEMS: usize = 100_000;
/// People nobody in the bench follows, and their items.
const OTHERS: usize = 1_500;
const OTHER_ITEMS: usize = 51_000;
/// Courses in the catalog.
const COURSES: usize = 10_000;

/// The SQL that writes the follow graph, the items and the courses. `people` numbers the
/// bench's learners by their e-mail (`learner<n>-…`): 0-63 read, 64-563 are followed.
fn seed_sql(now_ms: i64) -> String {
    let followed_end = VIEWERS + FOLLOWED;
    format!(
        "CREATE TEMP TABLE people AS SELECT id, CAST(substring(email from '^learner([0-9]+)-') AS INT) AS n \
           FROM users WHERE email LIKE 'learner%@bench.example'; \
         INSERT INTO follows (follower_id, followee_id, created_at) \
           SELECT v.id, a.id, 0 FROM people v JOIN people a ON a.n >= {VIEWERS} AND a.n < {followed_end} \
           WHERE v.n < {VIEWERS}; \
         INSERT INTO feed_items (id, author_id, kind, title, body, course_id, badge, tags, difficulty, \
           shared_item_id, likes, comments, shares, bookmarks, reports, hidden, created_at) \
           SELECT md5('f' || g), a.id, (ARRAY['post','course_completion','badge','streak_milestone','post'])[1 + g % 5], \
           'Item ' || g, 'What happened in item ' || g, NULL, NULL, \
           (ARRAY['[\"python\",\"loops\"]','[\"sql\"]','[\"design\"]','[]'])[1 + g % 4], \
           (ARRAY['beginner','intermediate','advanced'])[1 + g % 3], NULL, g % 23, g % 7, g % 3, g % 5, 0, 0, \
           {now_ms} - CAST(g AS BIGINT) * 25000 \
           FROM generate_series(0, {items}) g JOIN people a ON a.n = {VIEWERS} + g % {FOLLOWED}; \
         INSERT INTO feed_items (id, author_id, kind, title, body, course_id, badge, tags, difficulty, \
           shared_item_id, likes, comments, shares, bookmarks, reports, hidden, created_at) \
           SELECT md5('o' || g), a.id, 'post', 'Other ' || g, 'Someone else''s post ' || g, NULL, NULL, '[]', \
           NULL, NULL, 0, 0, 0, 0, 0, 0, {now_ms} - CAST(g AS BIGINT) * 49000 \
           FROM generate_series(0, {other_items}) g JOIN people a ON a.n = {followed_end} + g % {OTHERS}; \
         INSERT INTO feed_settings (user_id, share_activity, updated_at) \
           SELECT id, 1, 0 FROM people WHERE n % 2 = 0;",
        items = ITEMS - 1,
        other_items = OTHER_ITEMS - 1,
    )
}

/// 10 000 published courses, 3 tags each out of 12, with words a search finds.
fn courses_sql(now_ms: i64) -> String {
    format!(
        "INSERT INTO course_listings (course_id, pack_id, title, description, short_description, \
           difficulty, estimated_minutes, category, tags, objectives, prerequisites, thumbnail_url, \
           preview_video_url, created_by, is_published, is_ai_generated, ai_generation_metadata, \
           search_text, enrollment_count, completion_count, rating_total, review_count, created_at, \
           updated_at) \
         SELECT 'bench-course-' || g, 'bench-pack', t.title, t.description, NULL, \
           (ARRAY['beginner','intermediate','advanced'])[1 + g % 3], 60 + g % 300, \
           (ARRAY['Programming','Data','Design','Math'])[1 + g % 4], \
           '[\"' || (ARRAY['python','sql','design','math','web','rust','ml','stats','ux','go','java','cloud'])[1 + g % 12] || '\"]', \
           '[]', '[]', NULL, NULL, NULL, 1, 0, NULL, lower(t.title || ' ' || t.description), \
           g % 997, g % 101, (g % 5 + 1) * (g % 13), g % 13, {now_ms} - g, {now_ms} - g \
         FROM generate_series(0, {last}) g, LATERAL (SELECT \
           (ARRAY['Intro to','Advanced','Practical','Hands-on','Modern'])[1 + g % 5] || ' ' || \
           (ARRAY['Python','SQL','Design','Math','Web','Rust','Machine Learning','Statistics','UX','Go','Java','Cloud'])[1 + g % 12] || ' ' || g AS title, \
           'Course ' || g || ' covers ' || (ARRAY['loops and functions','queries and joins','colour and layout', \
           'algebra','HTTP and HTML','ownership','models','distributions','research','goroutines','classes','deployment'])[1 + (g / 12) % 12] AS description) t; \
         INSERT INTO course_tags (tag, course_id) SELECT \
           (ARRAY['python','sql','design','math','web','rust','ml','stats','ux','go','java','cloud'])[1 + g % 12], \
           'bench-course-' || g FROM generate_series(0, {last}) g;",
        last = COURSES - 1,
    )
}

/// Runs `wrk` with bench/learning.lua's `mode` over `tokens`; its summary line.
fn run(url: &str, mode: &str, tokens: &Path, args: &[&str]) -> String {
    super::wrk_learning(url, mode, tokens, &["0"], args)
}

pub fn social(data: &Path) {
    let pg_name = "tessera_bench_social";
    if std::env::var("TESSERA_BENCH_DB").is_ok_and(|d| !d.eq_ignore_ascii_case("postgres")) {
        println!("\n(the feed and catalog figures run on Postgres only)");
        return;
    }
    if !fresh_postgres(pg_name) {
        println!("\n(Postgres not reachable: the feed and catalog figures are skipped)");
        return;
    }
    let url = format!("postgres://postgres@127.0.0.1:5432/{pg_name}");
    let dir = data.join("social");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let plugins = repo().join("plugins").display().to_string();
    let pool = std::env::var("TESSERA_BENCH_DB_POOL").unwrap_or_else(|_| "16".into());
    // `feed_cache` seconds of kept feeds (docs/feed.md, "Freshness"; 0: ranked every read).
    let start = |data: &Path, feed_cache: &str| {
        serve_with(
            data,
            &plugins,
            &[
                "--database-url",
                &url,
                "--jwt-secret",
                LEARNING_SECRET,
                "--db-max-connections",
                &pool,
                "--feed-cache-seconds",
                feed_cache,
            ],
        )
    };
    let served = start(&dir, "30");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let people = VIEWERS + FOLLOWED + OTHERS;
    let tokens = runtime.block_on(seed_learners(&url, people));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(psql(pg_name, &seed_sql(now)), "seeding the feed failed");
    assert!(
        psql(pg_name, &courses_sql(now)),
        "seeding the catalog failed"
    );
    psql(pg_name, "VACUUM ANALYZE");
    println!(
        "\nfeed and catalog on Postgres: {people} learners, {} feed items, {COURSES} courses seeded in {:.1} s",
        ITEMS + OTHER_ITEMS,
        started.elapsed().as_secs_f64()
    );
    // The viewers' tokens are the first 64 (learner0-63); the search uses everyone's.
    let viewers = dir.join("viewers.txt");
    std::fs::write(&viewers, tokens[..VIEWERS].join("\n")).unwrap();
    let everyone = dir.join("everyone.txt");
    std::fs::write(&everyone, tokens.join("\n")).unwrap();
    let base = format!("http://127.0.0.1:{}", served.port);
    let stored = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            pg_name,
            "-At",
            "-c",
        ])
        .arg("SELECT COUNT(*) FROM feed_items")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("  ({stored} items stored)");
    let _ = run(&base, "feed", &viewers, &["-t2", "-c16", "-d3s"]);
    println!(
        "GET /api/v1/feeds/personalized (pages 1-3 of 20), {VIEWERS} learners following {FOLLOWED} people with {ITEMS} items, 64 connections, closed loop, 15 s:"
    );
    print!(
        "{}",
        run(
            &base,
            "feed",
            &viewers,
            &["-t2", "-c64", "-d15s", "--timeout", "10s"]
        )
    );
    println!("same, 8 connections (a lighter load), 10 s:");
    print!("{}", run(&base, "feed", &viewers, &["-t2", "-c8", "-d10s"]));
    // What a read costs when the feed is not kept (a first read, or after a change).
    // Its own data directory: two servers do not share one.
    let uncached = start(&dir.join("uncached"), "0");
    let fresh_base = format!("http://127.0.0.1:{}", uncached.port);
    println!("same, 8 connections, every read ranked afresh (--feed-cache-seconds 0), 10 s:");
    print!(
        "{}",
        run(&fresh_base, "feed", &viewers, &["-t2", "-c8", "-d10s"])
    );
    drop(uncached);
    let _ = run(&base, "search", &everyone, &["-t2", "-c16", "-d3s"]);
    println!(
        "GET /api/v1/courses?search=<word>&limit=20 over {COURSES} courses, 64 connections, closed loop, 15 s:"
    );
    print!(
        "{}",
        run(
            &base,
            "search",
            &everyone,
            &["-t2", "-c64", "-d15s", "--timeout", "10s"]
        )
    );
    println!("same, 8 connections, 10 s:");
    print!(
        "{}",
        run(&base, "search", &everyone, &["-t2", "-c8", "-d10s"])
    );
    drop(served);
}
