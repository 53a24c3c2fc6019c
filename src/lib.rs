//! Browser entry point: brings the interactive islands of the server-rendered
//! pages to life (everything else is plain HTML and works without JavaScript).

// Links the islands (each one exports its hydration function from `app`).
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Lets people and tests tell a live page from a server-rendered one.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
