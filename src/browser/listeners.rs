//! Application listeners by event name, with socket.io-client's semantics:
//! `off(event, fn)` removes that exact function (first registration),
//! `off(event)` every listener of the event, `off()` every listener.

use js_sys::Function;

struct Listener {
    event: String,
    f: Function,
    once: bool,
}

/// The listener registry.
#[derive(Default)]
pub struct Listeners {
    list: Vec<Listener>,
}

impl Listeners {
    /// Adds a listener.
    pub fn add(&mut self, event: &str, f: Function, once: bool) {
        self.list.push(Listener {
            event: String::from(event),
            f,
            once,
        });
    }

    /// Removes as described in the module documentation.
    pub fn remove(&mut self, event: Option<&str>, f: Option<&Function>) {
        match (event, f) {
            (None, _) => self.list.clear(),
            (Some(e), None) => self.list.retain(|l| l.event != e),
            (Some(e), Some(f)) => {
                if let Some(pos) = self.list.iter().position(|l| l.event == e && l.f == *f) {
                    self.list.remove(pos);
                }
            }
        }
    }

    /// The functions to call for `event`, in registration order; `once`
    /// listeners are removed before they are called.
    pub fn take_for(&mut self, event: &str) -> Vec<Function> {
        let out: Vec<Function> = self
            .list
            .iter()
            .filter(|l| l.event == event)
            .map(|l| l.f.clone())
            .collect();
        self.list.retain(|l| !(l.once && l.event == event));
        out
    }

    /// The functions registered for `event`, in order.
    pub fn of(&self, event: &str) -> js_sys::Array {
        self.list
            .iter()
            .filter(|l| l.event == event)
            .map(|l| wasm_bindgen::JsValue::from(&l.f))
            .collect()
    }

    /// Whether `event` has a listener.
    pub fn has(&self, event: &str) -> bool {
        self.list.iter().any(|l| l.event == event)
    }

    /// The number of listeners (for leak tests).
    pub fn count(&self) -> usize {
        self.list.len()
    }
}
