//! The four JS types the driver names (`Array`, `Function`, `Promise`,
//! `Uint8Array`) and the few members it calls, declared here rather than taken
//! from js-sys: every module that links js-sys 0.3.107 keeps its JSPI task code
//! (js-sys exports `__wbg_jspi_task_poll` with `#[no_mangle]`, a root the
//! linker must keep, and wasm-bindgen leaves the functions it reaches in the
//! table): 667 B raw, 301 B gzip of the shipped module, measured by building
//! with that export removed (docs/crates.md). The TypeScript names are
//! js-sys's, so the package's declarations do not change.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A JS `Array`.
    #[wasm_bindgen(typescript_type = "Array<any>")]
    #[derive(Clone, Debug)]
    pub type Array;
    #[wasm_bindgen(constructor)]
    pub fn new() -> Array;
    #[wasm_bindgen(method, getter)]
    pub fn length(this: &Array) -> u32;
    /// `this[index]`.
    #[wasm_bindgen(method, indexing_getter)]
    pub fn get(this: &Array, index: u32) -> JsValue;
    #[wasm_bindgen(method)]
    pub fn push(this: &Array, value: &JsValue) -> u32;
    #[wasm_bindgen(method)]
    pub fn unshift(this: &Array, value: &JsValue) -> u32;

    /// A JS function.
    #[wasm_bindgen(typescript_type = "Function")]
    #[derive(Clone, Debug)]
    pub type Function;

    /// A JS `Promise`.
    #[wasm_bindgen(typescript_type = "Promise<any>")]
    #[derive(Clone, Debug)]
    pub type Promise;

    /// A JS `Uint8Array`.
    #[wasm_bindgen(typescript_type = "Uint8Array")]
    #[derive(Clone, Debug)]
    pub type Uint8Array;
    /// A `Uint8Array` holding a copy of `bytes`.
    #[wasm_bindgen(constructor, js_class = "Uint8Array")]
    pub fn copy_of(bytes: &[u8]) -> Uint8Array;
    #[wasm_bindgen(method, getter)]
    pub fn length(this: &Uint8Array) -> u32;
}
