//! Page signals that should make the client act now rather than when a
//! (possibly throttled) timer fires: `online`, `visibilitychange` to visible,
//! and `pageshow` (back/forward cache). Each makes the core check its deadlines
//! and, when waiting to reconnect, try at once. Listeners are removed on drop.

use crate::browser::driver::{self, Weak};
use crate::browser::js;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::EventTarget;

/// The page listeners of one client.
pub struct PageHooks {
    targets: Vec<(EventTarget, &'static str)>,
    callback: Closure<dyn FnMut()>,
}

impl PageHooks {
    /// Installs the listeners (those whose target exists in this global scope).
    pub fn install(driver: Weak) -> PageHooks {
        let callback = Closure::<dyn FnMut()>::new(move || {
            if js::page_visible() {
                driver::input(&driver, |c, now| c.reconnect_now(now));
            }
        });
        let global: JsValue = js_sys::global().into();
        let document = js_sys::Reflect::get(&global, &JsValue::from_str("document")).ok();
        let mut targets = Vec::new();
        let wanted: [(Option<JsValue>, &'static str); 3] = [
            (Some(global.clone()), "online"),
            (Some(global), "pageshow"),
            (document, "visibilitychange"),
        ];
        for (target, event) in wanted {
            if let Some(t) = target.and_then(|t| t.dyn_into::<EventTarget>().ok()) {
                if t.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref())
                    .is_ok()
                {
                    targets.push((t, event));
                }
            }
        }
        PageHooks { targets, callback }
    }

    /// How many listeners are installed (for leak tests).
    pub fn count(&self) -> usize {
        self.targets.len()
    }
}

impl Drop for PageHooks {
    fn drop(&mut self) {
        for (t, event) in &self.targets {
            let _ = t
                .remove_event_listener_with_callback(event, self.callback.as_ref().unchecked_ref());
        }
    }
}
