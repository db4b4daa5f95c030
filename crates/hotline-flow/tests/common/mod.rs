//! What several test files share: driving the engine's timers as a host does.

// Each test file uses a part of this; what one file leaves unused is not dead.
#![allow(dead_code)]

/// Runs the engine's timeout at `now` and drains its outputs: the orders that ran, the
/// notifications, the failures.
pub fn tick<S: hotline_flow::store::Store>(
    e: &mut hotline_flow::Engine<S>,
    now: hotline_flow::jiff::Timestamp,
) -> Result<Ticked, hotline_flow::FlowError> {
    e.handle_timeout(now)?;
    let mut out = Ticked::default();
    while let Some(o) = e.poll_output() {
        match o {
            hotline_flow::Output::Ticked { order } => out.orders.push(order),
            hotline_flow::Output::Notification { order, notification } => {
                out.notifications.push((order, notification));
            }
            hotline_flow::Output::Failed { order, error } => out.errors.push((order, error)),
            _ => {}
        }
    }
    Ok(out)
}

/// What one timeout did.
#[derive(Debug, Default)]
pub struct Ticked {
    pub orders: Vec<String>,
    pub notifications: Vec<(String, hotline_flow::Notification)>,
    pub errors: Vec<(String, hotline_flow::FlowError)>,
}
