//! Buses.

pub mod gizmo;
