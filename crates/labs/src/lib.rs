//! Rosette's hands-on labs.
//!
//! A *track* is a folder of challenges ([`track`]); each challenge has an assignment for the
//! learner and the scripts `setup`, `check`, `solve` and `cleanup`. Scripts and the learner's
//! shell run in a [`sandbox`]: Linux namespaces with resource limits, no network by default
//! and no view of the host beyond read-only system folders. [`runner`] runs a whole track
//! the way `rosette labs test` does, so authors can test tracks in CI like code.

pub mod runner;
pub mod sandbox;
pub mod track;
