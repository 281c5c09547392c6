//! Persona clustering on synthetic users whose personas are known: four groups of 50 drawn
//! around the four profiles of seed 004 §5.2 with seeded noise, and the edge cases.

use experiment_analysis::personas::dim;
use experiment_analysis::{
    Basis, BehaviourFeatures, ClusterConfig, FEATURE_COUNT, Method, Persona, PersonaError,
    PersonaModel, assign_personas,
};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};

/// Uniform integers and reals from a seeded generator, so the fixtures are the same on
/// every machine.
struct Noise(Xoshiro256PlusPlus);

impl Noise {
    fn new(seed: u64) -> Self {
        Self(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// Uniform in `[low, high)`.
    fn real(&mut self, low: f64, high: f64) -> f64 {
        let unit = (self.0.next_u64() >> 11) as f64 / (1_u64 << 53) as f64;
        low + unit * (high - low)
    }

    /// Uniform in `low..=high`.
    fn int(&mut self, low: u64, high: u64) -> u64 {
        low + self.0.next_u64() % (high - low + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.real(0.0, 1.0) < p
    }

    /// Device counts, `low..=high` in all, most of them on one client.
    fn devices(&mut self, low: u64, high: u64) -> (u64, u64, u64) {
        let total = self.int(low, high);
        let main = (total as f64 * self.real(0.6, 1.0)) as u64;
        let rest = total - main;
        let second = self.int(0, rest);
        match self.int(0, 2) {
            0 => (main, second, rest - second),
            1 => (second, main, rest - second),
            _ => (second, rest - second, main),
        }
    }
}

/// Few events, a long time to first value (or none yet).
fn newbie(n: &mut Noise) -> BehaviourFeatures {
    let started = n.int(0, 4);
    let (web, ios, android) = n.devices(1, 20);
    BehaviourFeatures {
        tutorial_steps_started: started,
        tutorial_steps_completed: n.int(0, started),
        tutorial_median_step_ms: (started > 0).then(|| n.int(2_000, 60_000)),
        days_active_30d: n.int(0, 3) as u32,
        lessons_completed: n.int(0, 1),
        quiz_attempts: n.int(0, 5),
        quiz_accuracy: Some(n.real(0.2, 0.7)),
        ai_requests_30d: n.int(0, 6),
        tutor_queries_30d: n.int(0, 3),
        requests_web: web,
        requests_ios: ios,
        requests_android: android,
        time_to_first_value_secs: n.chance(0.5).then(|| n.int(5 * 86_400, 25 * 86_400)),
        streak_days: n.int(0, 1),
        total_xp: n.int(0, 50),
        account_age_days: n.int(1, 30),
        nps: n.chance(0.2).then(|| n.int(3, 8) as u8),
        ..BehaviourFeatures::default()
    }
}

/// Solo, many projects and submissions, high AI usage below the ai-power rate.
fn freelancer_pro(n: &mut Noise) -> BehaviourFeatures {
    let days = n.int(15, 28);
    let (web, ios, android) = n.devices(200, 2_000);
    BehaviourFeatures {
        tutorial_steps_started: n.int(8, 20),
        tutorial_steps_completed: n.int(6, 8),
        tutorial_median_step_ms: Some(n.int(3_000, 15_000)),
        days_active_30d: days as u32,
        lessons_completed: n.int(20, 80),
        quiz_attempts: n.int(100, 400),
        quiz_accuracy: Some(n.real(0.7, 0.95)),
        code_submissions: n.int(100, 500),
        project_submissions: n.int(10, 40),
        tutor_queries_30d: n.int(50, 200),
        ai_requests_30d: days * n.int(8, 20),
        study_sessions_30d: n.int(5, 30),
        generated_quizzes: n.int(0, 10),
        requests_web: web,
        requests_ios: ios,
        requests_android: android,
        nps: n.chance(0.5).then(|| n.int(6, 10) as u8),
        time_to_first_value_secs: Some(n.int(3_600, 24 * 3_600)),
        streak_days: n.int(10, 60),
        total_xp: n.int(5_000, 20_000),
        account_age_days: n.int(90, 400),
        ..BehaviourFeatures::default()
    }
}

/// A teacher with classes, students and invitations.
fn team_manager(n: &mut Noise) -> BehaviourFeatures {
    let days = n.int(10, 25);
    let (web, ios, android) = n.devices(100, 1_000);
    BehaviourFeatures {
        tutorial_steps_started: n.int(5, 15),
        tutorial_steps_completed: n.int(4, 5),
        tutorial_median_step_ms: Some(n.int(4_000, 20_000)),
        days_active_30d: days as u32,
        lessons_completed: n.int(5, 30),
        quiz_attempts: n.int(10, 80),
        quiz_accuracy: Some(n.real(0.6, 0.9)),
        code_submissions: n.int(0, 20),
        tutor_queries_30d: n.int(5, 40),
        ai_requests_30d: days * n.int(2, 8),
        generated_courses: n.int(0, 3),
        is_teacher: true,
        is_admin: n.chance(0.1),
        classes_managed: n.int(2, 8),
        students_managed: n.int(20, 150),
        invitations_sent: n.int(20, 200),
        requests_web: web,
        requests_ios: ios,
        requests_android: android,
        nps: n.chance(0.4).then(|| n.int(5, 10) as u8),
        time_to_first_value_secs: Some(n.int(3_600, 72 * 3_600)),
        streak_days: n.int(0, 20),
        total_xp: n.int(1_000, 5_000),
        account_age_days: n.int(100, 600),
        ..BehaviourFeatures::default()
    }
}

/// 30 or more AI calls per active day.
fn ai_power(n: &mut Noise) -> BehaviourFeatures {
    let days = n.int(10, 30);
    let (web, ios, android) = n.devices(500, 5_000);
    BehaviourFeatures {
        tutorial_steps_started: n.int(5, 15),
        tutorial_steps_completed: n.int(3, 5),
        tutorial_median_step_ms: Some(n.int(2_000, 10_000)),
        days_active_30d: days as u32,
        lessons_completed: n.int(5, 40),
        quiz_attempts: n.int(50, 300),
        quiz_accuracy: Some(n.real(0.5, 0.9)),
        code_submissions: n.int(10, 80),
        project_submissions: n.int(0, 3),
        tutor_queries_30d: n.int(100, 400),
        ai_requests_30d: days * n.int(35, 80),
        study_sessions_30d: n.int(30, 150),
        generated_quizzes: n.int(20, 100),
        generated_courses: n.int(2, 15),
        requests_web: web,
        requests_ios: ios,
        requests_android: android,
        nps: n.chance(0.5).then(|| n.int(6, 10) as u8),
        time_to_first_value_secs: Some(n.int(3_600, 48 * 3_600)),
        streak_days: n.int(5, 40),
        total_xp: n.int(2_000, 10_000),
        account_age_days: n.int(30, 300),
        ..BehaviourFeatures::default()
    }
}

/// Draws one user of a profile.
type Generator = fn(&mut Noise) -> BehaviourFeatures;

const PROFILES: [(Persona, Generator); 4] = [
    (Persona::Newbie, newbie),
    (Persona::FreelancerPro, freelancer_pro),
    (Persona::TeamManager, team_manager),
    (Persona::AiPower, ai_power),
];

/// `per_profile` users of each profile, interleaved (so the input order carries no hint),
/// with the persona each was drawn as.
fn synthetic(per_profile: usize, seed: u64) -> (Vec<BehaviourFeatures>, Vec<Persona>) {
    let mut noise = Noise::new(seed);
    let mut users = Vec::new();
    let mut truth = Vec::new();
    for _ in 0..per_profile {
        for (persona, generate) in PROFILES {
            users.push(generate(&mut noise));
            truth.push(persona);
        }
    }
    (users, truth)
}

#[test]
fn synthetic_users_land_on_their_persona() {
    for seed in [1, 2, 3] {
        let (users, truth) = synthetic(50, seed);
        let run = assign_personas(&users, &ClusterConfig::default()).expect("valid config");
        assert_eq!(run.model.method, Method::KMeans);
        assert_eq!(run.assignments.len(), 200);
        let right = run
            .assignments
            .iter()
            .zip(&truth)
            .filter(|(a, t)| a.persona == **t)
            .count();
        assert!(right >= 190, "seed {seed}: only {right} of 200 right");
        for persona in Persona::ALL {
            let of_persona = truth.iter().filter(|t| **t == persona).count();
            let right_here = run
                .assignments
                .iter()
                .zip(&truth)
                .filter(|(a, t)| **t == persona && a.persona == persona)
                .count();
            assert!(
                right_here * 100 >= of_persona * 95,
                "seed {seed}: {persona} {right_here} of {of_persona}"
            );
        }
        // Each name once, centroids in Persona::ALL's order, sizes adding up.
        let names: Vec<Persona> = run.model.centroids.iter().map(|c| c.persona).collect();
        assert_eq!(names, Persona::ALL.to_vec());
        assert_eq!(
            run.model.centroids.iter().map(|c| c.size).sum::<usize>(),
            200
        );
        for a in &run.assignments {
            assert_eq!(a.basis, Basis::Cluster);
            assert!((0.0..=1.0).contains(&a.confidence));
            assert!(a.embedding.iter().all(|x| (0.0..=1.0).contains(x)));
        }
        // Well separated groups: most users sit much nearer their own centroid.
        let mean_confidence = run.assignments.iter().map(|a| a.confidence).sum::<f64>() / 200.0;
        eprintln!("seed {seed}: {right} of 200 right, mean confidence {mean_confidence:.3}");
        assert!(
            mean_confidence > 0.4,
            "seed {seed}: mean confidence {mean_confidence}"
        );
    }
}

#[test]
fn the_same_users_give_the_same_run() {
    let (users, _) = synthetic(50, 7);
    let config = ClusterConfig::default();
    let first = assign_personas(&users, &config).expect("valid config");
    let second = assign_personas(&users, &config).expect("valid config");
    assert_eq!(first, second);
    // And the same bits, not merely equal floats: what is stored does not churn.
    let bits = |run: &experiment_analysis::PersonaRun| -> Vec<u64> {
        run.assignments
            .iter()
            .map(|a| a.confidence.to_bits())
            .collect()
    };
    assert_eq!(bits(&first), bits(&second));
}

#[test]
fn users_without_data_are_newbies_with_full_confidence_and_do_not_take_a_cluster() {
    let (mut users, mut truth) = synthetic(50, 11);
    for i in 0..60 {
        users.push(BehaviourFeatures {
            account_age_days: i,
            ..BehaviourFeatures::default()
        });
        truth.push(Persona::Newbie);
    }
    let run = assign_personas(&users, &ClusterConfig::default()).expect("valid config");
    assert_eq!(run.model.method, Method::KMeans);
    for a in &run.assignments[200..] {
        assert_eq!(a.persona, Persona::Newbie);
        assert_eq!(a.confidence, 1.0);
        assert_eq!(a.basis, Basis::NoData);
    }
    let right = run.assignments[..200]
        .iter()
        .zip(&truth)
        .filter(|(a, t)| a.persona == **t)
        .count();
    assert!(right >= 190, "only {right} of 200 right");
    assert_eq!(
        run.model.centroids.iter().map(|c| c.size).sum::<usize>(),
        200
    );
}

#[test]
fn no_users_is_an_empty_run() {
    let run = assign_personas(&[], &ClusterConfig::default()).expect("valid config");
    assert!(run.assignments.is_empty());
    assert_eq!(run.model, PersonaModel::heuristic());
}

#[test]
fn one_user_is_named_by_the_heuristics() {
    let mut noise = Noise::new(3);
    let run =
        assign_personas(&[team_manager(&mut noise)], &ClusterConfig::default()).expect("valid");
    assert_eq!(run.model.method, Method::Heuristic);
    let only = &run.assignments[0];
    assert_eq!(only.persona, Persona::TeamManager);
    assert_eq!(only.basis, Basis::Heuristic);
    assert!(only.confidence > 0.0 && only.confidence <= 1.0);

    let empty =
        assign_personas(&[BehaviourFeatures::default()], &ClusterConfig::default()).expect("valid");
    assert_eq!(empty.assignments[0].persona, Persona::Newbie);
    assert_eq!(empty.assignments[0].confidence, 1.0);
    assert_eq!(empty.assignments[0].basis, Basis::NoData);
}

#[test]
fn three_users_are_named_by_the_heuristics_alone() {
    let mut noise = Noise::new(5);
    let users = [
        newbie(&mut noise),
        ai_power(&mut noise),
        team_manager(&mut noise),
    ];
    let run = assign_personas(&users, &ClusterConfig::default()).expect("valid");
    assert_eq!(run.model.method, Method::Heuristic);
    assert!(run.model.centroids.is_empty());
    let personas: Vec<Persona> = run.assignments.iter().map(|a| a.persona).collect();
    assert_eq!(
        personas,
        [Persona::Newbie, Persona::AiPower, Persona::TeamManager]
    );
    // Each user alone: a freelancer next to them is still a freelancer.
    let freelancer = freelancer_pro(&mut noise);
    let run = assign_personas(&[freelancer.clone(), freelancer], &ClusterConfig::default())
        .expect("valid");
    assert!(
        run.assignments
            .iter()
            .all(|a| a.persona == Persona::FreelancerPro)
    );
}

#[test]
fn identical_users_are_not_clustered() {
    let mut noise = Noise::new(9);
    let user = ai_power(&mut noise);
    let users = vec![user; 40];
    let run = assign_personas(&users, &ClusterConfig::default()).expect("valid");
    assert_eq!(run.model.method, Method::Heuristic);
    assert!(
        run.assignments
            .iter()
            .all(|a| a.persona == Persona::AiPower)
    );
    assert!(run.assignments.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn four_distinct_users_make_four_clusters_of_one() {
    let mut noise = Noise::new(13);
    let users: Vec<BehaviourFeatures> = PROFILES.iter().map(|(_, g)| g(&mut noise)).collect();
    let run = assign_personas(&users, &ClusterConfig::default()).expect("valid");
    assert_eq!(run.model.method, Method::KMeans);
    for (assignment, (persona, _)) in run.assignments.iter().zip(PROFILES) {
        assert_eq!(assignment.persona, persona);
        // Each user is its own centroid.
        assert!(assignment.confidence > 0.99, "{assignment:?}");
    }
    assert!(run.model.centroids.iter().all(|c| c.size == 1));
}

#[test]
fn the_model_classifies_users_who_arrive_later() {
    let (users, _) = synthetic(50, 17);
    let model = assign_personas(&users, &ClusterConfig::default())
        .expect("valid")
        .model;
    let mut noise = Noise::new(99);
    for (persona, generate) in PROFILES {
        let newcomer = generate(&mut noise);
        let assignment = model.classify(&newcomer);
        assert_eq!(assignment.persona, persona);
        assert_eq!(assignment.basis, Basis::Cluster);
        assert_eq!(assignment.embedding, newcomer.to_vector());
    }
    assert_eq!(
        model.classify(&BehaviourFeatures::default()).basis,
        Basis::NoData
    );
    // The model survives being stored as JSON (to the last bit or so: serde_json's default
    // float parsing is not always correctly rounded).
    let json = serde_json::to_string(&model).expect("serialises");
    let back: PersonaModel = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back.method, model.method);
    for (b, m) in back.centroids.iter().zip(&model.centroids) {
        assert_eq!((b.persona, b.size), (m.persona, m.size));
        for (x, y) in b.centroid.iter().zip(&m.centroid) {
            assert!((x - y).abs() <= 1e-15, "{x} against {y}");
        }
    }
}

#[test]
fn the_ai_power_threshold_is_seed_004s_30_calls_a_day() {
    // A learner who has found their feet (lessons, XP, a first lesson within hours) and
    // makes exactly 30 AI calls a day over 10 active days.
    let at_threshold = BehaviourFeatures {
        days_active_30d: 10,
        lessons_completed: 12,
        quiz_attempts: 60,
        ai_requests_30d: 300,
        tutor_queries_30d: 80,
        study_sessions_30d: 20,
        generated_quizzes: 10,
        time_to_first_value_secs: Some(2 * 3_600),
        total_xp: 2_500,
        account_age_days: 40,
        ..BehaviourFeatures::default()
    };
    assert_eq!(at_threshold.to_vector()[dim::AI_POWER_RATE], 1.0);
    assert_eq!(
        PersonaModel::heuristic().classify(&at_threshold).persona,
        Persona::AiPower
    );
    // 29 a day is below it: the same learner reads as a (solo) freelancer-pro.
    let below = BehaviourFeatures {
        ai_requests_30d: 290,
        code_submissions: 40,
        project_submissions: 5,
        ..at_threshold
    };
    assert_eq!(below.to_vector()[dim::AI_POWER_RATE], 0.0);
    assert_eq!(
        PersonaModel::heuristic().classify(&below).persona,
        Persona::FreelancerPro
    );
    assert_eq!(below.to_vector().len(), FEATURE_COUNT);
}

#[test]
fn a_bad_config_is_an_error_naming_the_field() {
    let users = synthetic(5, 1).0;
    for (config, field) in [
        (
            ClusterConfig {
                n_runs: 0,
                ..ClusterConfig::default()
            },
            "n_runs",
        ),
        (
            ClusterConfig {
                max_iterations: 0,
                ..ClusterConfig::default()
            },
            "max_iterations",
        ),
        (
            ClusterConfig {
                tolerance: f64::NAN,
                ..ClusterConfig::default()
            },
            "tolerance",
        ),
    ] {
        match assign_personas(&users, &config) {
            Err(PersonaError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected an error for {field}, got {other:?}"),
        }
    }
}

#[test]
fn unequal_groups_still_land_on_their_persona() {
    // Most users are newbies and teachers are few, as on a real platform.
    let mut noise = Noise::new(21);
    let mut users = Vec::new();
    let mut truth = Vec::new();
    for (count, (persona, generate)) in [120, 50, 10, 20].into_iter().zip(PROFILES) {
        for _ in 0..count {
            users.push(generate(&mut noise));
            truth.push(persona);
        }
    }
    let run = assign_personas(&users, &ClusterConfig::default()).expect("valid config");
    let right = run
        .assignments
        .iter()
        .zip(&truth)
        .filter(|(a, t)| a.persona == **t)
        .count();
    assert!(
        right * 100 >= users.len() * 95,
        "only {right} of {} right",
        users.len()
    );
    let sizes: Vec<usize> = run.model.centroids.iter().map(|c| c.size).collect();
    assert_eq!(sizes, [120, 50, 10, 20]);
}
