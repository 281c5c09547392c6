//! The reflection worlds' generated types (served from 0.2.0) ⇄ the host's own.

use crate::plugins::contract::reflection as host;
use crate::runtime::bindings::convert::{enumeration, record};

use super::fragment_detector_world::detector;
use super::fragment_detector_world::reflection;
use super::lens_coach_world::coach;
use super::reframer_world::reframer;
use super::spectrum_analyst_world::analyst;

enumeration!(reflection::Distortion => host::Distortion { Catastrophising, AllOrNothing,
    MindReading, FortuneTelling, ShouldStatements, Labelling, Personalisation,
    Overgeneralisation, EmotionalReasoning, DiscountingThePositive });
enumeration!(reflection::FoundBy => host::FoundBy { Rules, Model });
record!(reflection::Fragment => host::Fragment { start, end, text, kind, confidence, found_by });
record!(detector::DetectionRequest => host::DetectionRequest { text, history, learner });

record!(reframer::ReframeRequest => host::ReframeRequest { thought, distortions, context, learner });
record!(reframer::ReframeOption => host::Reframe { angle, text });
record!(reframer::Reframing => host::Reframing { reframes, micro_action, model });

record!(coach::Goal => host::Goal { title, why, target_date });
record!(coach::ActionsRequest => host::ActionsRequest { goal, existing, count, learner });
record!(coach::Action => host::Action { title, minutes });
record!(coach::AffirmationRequest => host::AffirmationRequest { goals, completed_this_week, local_date, learner });

record!(analyst::DistortionCount => host::DistortionCount { kind, count });
enumeration!(analyst::PeriodKind => host::PeriodKind { Week, Month });
record!(analyst::PeriodAggregates => host::PeriodAggregates { kind, start, end, active_days,
    mirror_sessions, mirror_messages, distortions, fragment_reframes, turns, turns_saved,
    actions_completed, actions_open });
record!(analyst::InsightsRequest => host::InsightsRequest { current, previous, learner });
record!(analyst::Insight => host::Insight { kind, title, body });
