//! Page signals that should make the client act now rather than when a
//! (possibly throttled) timer fires: `online`, `visibilitychange` to visible,
//! and `pageshow` (back/forward cache) make the core check its deadlines and,
//! when waiting to reconnect, try at once; `offline` makes it check its
//! deadlines only (there is no point in trying). Listeners are removed on drop.

use crate::browser::driver::{self, Weak};
use crate::browser::js;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::EventTarget;

/// The page listeners of one client.
pub struct PageHooks {
    targets: Vec<(EventTarget, &'static str, bool)>,
    try_now: Closure<dyn FnMut()>,
    check: Closure<dyn FnMut()>,
}

impl PageHooks {
    /// Installs the listeners (those whose target exists in this global scope).
    pub fn install(driver: Weak) -> PageHooks {
        let d = driver.clone();
        let try_now = Closure::<dyn FnMut()>::new(move || {
            if js::page_visible() {
                driver::input(&d, |c, now| c.reconnect_now(now));
            }
        });
        let check = Closure::<dyn FnMut()>::new(move || {
            driver::input(&driver, |c, now| c.handle_timeout(now));
        });
        let global: JsValue = js_sys::global().into();
        let document = js_sys::Reflect::get(&global, &JsValue::from_str("document")).ok();
        let mut targets = Vec::new();
        // (target, event, whether it means "try now" rather than "check")
        let wanted: [(Option<JsValue>, &'static str, bool); 4] = [
            (Some(global.clone()), "online", true),
            (Some(global.clone()), "pageshow", true),
            (Some(global), "offline", false),
            (document, "visibilitychange", true),
        ];
        for (target, event, now) in wanted {
            let f = if now { &try_now } else { &check };
            if let Some(t) = target.and_then(|t| t.dyn_into::<EventTarget>().ok()) {
                if t.add_event_listener_with_callback(event, f.as_ref().unchecked_ref())
                    .is_ok()
                {
                    targets.push((t, event, now));
                }
            }
        }
        PageHooks {
            targets,
            try_now,
            check,
        }
    }

    /// How many listeners are installed (for leak tests).
    pub fn count(&self) -> usize {
        self.targets.len()
    }
}

impl Drop for PageHooks {
    fn drop(&mut self) {
        for (t, event, now) in &self.targets {
            let f = if *now { &self.try_now } else { &self.check };
            let _ = t.remove_event_listener_with_callback(event, f.as_ref().unchecked_ref());
        }
    }
}
