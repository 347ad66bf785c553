//! Rosette's hands-on labs.
//!
//! A *track* is a folder of challenges; each challenge has an assignment for the learner and
//! the scripts `setup`, `check`, `solve` and `cleanup`. Scripts and the learner's shell run
//! in a [`sandbox`]: Linux namespaces with resource limits, no network by default and no view
//! of the host beyond read-only system folders.

pub mod sandbox;
