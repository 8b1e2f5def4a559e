// Pan and zoom for the topology diagram. Blazor renders the SVG's content; this module only
// sets the transform of its <g class="nd-viewport">, which Blazor never renders, so a live
// update never resets where the person has panned or zoomed to.
const states = new WeakMap();
const MIN = 0.15, MAX = 3;

function apply(s) {
    s.viewport.setAttribute("transform", `translate(${s.x} ${s.y}) scale(${s.k})`);
    s.host.dataset.zoom = s.k.toFixed(2);
}

export function attach(host) {
    const viewport = host.querySelector("g.nd-viewport");
    if (!viewport || states.has(host)) return;
    const s = { host, viewport, x: 0, y: 0, k: 1, drag: null, moved: false };
    states.set(host, s);
    apply(s);

    s.onWheel = e => {
        e.preventDefault();
        const r = host.getBoundingClientRect();
        zoomAt(s, Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    };
    s.onDown = e => {
        if (e.button !== 0) return;
        s.drag = { px: e.clientX, py: e.clientY, x: s.x, y: s.y, id: e.pointerId };
        s.moved = false;
    };
    s.onMove = e => {
        if (!s.drag) return;
        const dx = e.clientX - s.drag.px, dy = e.clientY - s.drag.py;
        if (!s.moved && Math.hypot(dx, dy) < 4) return;
        if (!s.moved) {
            s.moved = true;
            host.setPointerCapture(s.drag.id);
            host.classList.add("nd-panning");
        }
        s.x = s.drag.x + dx;
        s.y = s.drag.y + dy;
        apply(s);
    };
    s.onUp = () => {
        s.drag = null;
        host.classList.remove("nd-panning");
    };
    // A drag is not a click: stop it before Blazor's handlers see it.
    s.onClick = e => {
        if (s.moved) {
            e.stopPropagation();
            e.preventDefault();
            s.moved = false;
        }
    };
    host.addEventListener("wheel", s.onWheel, { passive: false });
    host.addEventListener("pointerdown", s.onDown);
    host.addEventListener("pointermove", s.onMove);
    host.addEventListener("pointerup", s.onUp);
    host.addEventListener("pointercancel", s.onUp);
    host.addEventListener("click", s.onClick, true);
}

function zoomAt(s, factor, cx, cy) {
    const k = Math.min(MAX, Math.max(MIN, s.k * factor));
    s.x = cx - (cx - s.x) * (k / s.k);
    s.y = cy - (cy - s.y) * (k / s.k);
    s.k = k;
    apply(s);
}

export function zoom(host, factor) {
    const s = states.get(host);
    if (!s) return;
    const r = host.getBoundingClientRect();
    zoomAt(s, factor, r.width / 2, r.height / 2);
}

// Whole diagram in view from the top, centred across, but never so small that it cannot be read.
export function fit(host, width, height) {
    const s = states.get(host);
    if (!s || width <= 0 || height <= 0) return;
    const r = host.getBoundingClientRect();
    const k = Math.min(1, r.width / width, r.height / height);
    s.k = Math.max(0.45, k);
    s.x = Math.max(0, (r.width - width * s.k) / 2);
    s.y = 0;
    apply(s);
}

// Brings a box into the middle of the view at a readable scale.
export function center(host, x, y, w, h) {
    const s = states.get(host);
    if (!s) return;
    const r = host.getBoundingClientRect();
    s.k = Math.max(s.k, 0.8);
    s.x = r.width / 2 - (x + w / 2) * s.k;
    s.y = r.height / 2 - (y + h / 2) * s.k;
    apply(s);
}

// Pans (at the current scale) so that a region is in view, if it is not already: the compare
// page shows what changed even when the whole node is too wide to fit at a readable scale.
export function reveal(host, x, y, w, h) {
    const s = states.get(host);
    if (!s) return;
    const r = host.getBoundingClientRect();
    const pad = 16;
    const left = x * s.k + s.x, top = y * s.k + s.y, right = (x + w) * s.k + s.x, bottom = (y + h) * s.k + s.y;
    if (left >= 0 && top >= 0 && right <= r.width && bottom <= r.height) return;
    if (left < 0 || right > r.width) s.x = w * s.k + 2 * pad <= r.width ? (r.width - w * s.k) / 2 - x * s.k : pad - x * s.k;
    if (top < 0 || bottom > r.height) s.y = pad - y * s.k;
    apply(s);
}

export function detach(host) {
    const s = states.get(host);
    if (!s) return;
    host.removeEventListener("wheel", s.onWheel);
    host.removeEventListener("pointerdown", s.onDown);
    host.removeEventListener("pointermove", s.onMove);
    host.removeEventListener("pointerup", s.onUp);
    host.removeEventListener("pointercancel", s.onUp);
    host.removeEventListener("click", s.onClick, true);
    states.delete(host);
}
