// In-page probe of bench/Ui, added to every page of a context with AddInitScriptAsync, so that it
// runs before any of the page's own scripts. All times are wall clock in ms since the epoch, as the
// page sees it (performance.timeOrigin + performance.now()); the bench converts them to its own
// clock with an offset it measures (see Calibrate in Program.cs).
//
// - frames: the time of every requestAnimationFrame callback, as gaps between frames;
// - long tasks (PerformanceObserver "longtask") and long animation frames ("long-animation-frame",
//   with the scripts that ran in them);
// - every WebSocket message the page receives (time, size, SignalR target), by wrapping the
//   WebSocket constructor (Blazor's .NET ClientWebSocket is a JS WebSocket underneath);
// - watches: named conditions on the DOM, checked by a MutationObserver after every batch of DOM
//   changes (so the time is when the DOM changed, not when someone polled), with the time of the
//   next frame after that ("paint": a requestAnimationFrame callback, then a message-channel task
//   that runs after that frame was produced).
(() => {
    if (window.__ub) return;
    const now = () => performance.timeOrigin + performance.now();
    const ub = {
        gaps: [],       // [end time, gap ms] of every frame
        longTasks: [],  // [start, duration]
        loafs: [],      // [start, duration, blockingDuration, "invoker (ms)" of its longest script]
        ws: [],         // [time, length, target or "", ends a record (0x1e)]
        watches: [],    // pending: { name, test }
        done: {},       // name -> { dom, paint }
        observing: false,
    };
    window.__ub = ub;
    try { performance.setResourceTimingBufferSize(5000); } catch { }

    // --- frames --------------------------------------------------------------------------------
    let last = 0;
    const frame = ts => {
        if (last) ub.gaps.push([performance.timeOrigin + ts, ts - last]);
        last = ts;
        requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);

    // --- long tasks, long animation frames --------------------------------------------------------
    try {
        new PerformanceObserver(list => {
            for (const e of list.getEntries()) ub.longTasks.push([performance.timeOrigin + e.startTime, e.duration]);
        }).observe({ type: "longtask", buffered: true });
    } catch { ub.noLongTask = true; }
    try {
        new PerformanceObserver(list => {
            for (const e of list.getEntries()) {
                let top = "";
                let topMs = -1;
                for (const s of e.scripts || []) {
                    if (s.duration > topMs) {
                        topMs = s.duration;
                        const src = (s.sourceURL || "").replace(/^.*\//, "");
                        top = `${s.invokerType || ""}:${s.invoker || ""}${src ? " " + src : ""}${s.sourceFunctionName ? " " + s.sourceFunctionName : ""} (${Math.round(s.duration)} ms)`;
                    }
                }
                ub.loafs.push([performance.timeOrigin + e.startTime, e.duration, e.blockingDuration || 0, top]);
            }
        }).observe({ type: "long-animation-frame", buffered: true });
    } catch { ub.noLoaf = true; }

    // --- WebSocket messages ------------------------------------------------------------------------
    const NativeWebSocket = window.WebSocket;
    const target = head => {
        const m = /"target"\s*:\s*"([^"]+)"/.exec(head);
        if (m) return m[1];
        const t = /^\{"type":(\d+)/.exec(head);
        return t ? `type${t[1]}` : "";
    };
    window.WebSocket = new Proxy(NativeWebSocket, {
        construct(t, args) {
            const ws = new t(...args);
            ws.addEventListener("message", e => {
                const at = now();
                const d = e.data;
                if (typeof d === "string") {
                    // One message may hold several SignalR records (each ends with 0x1e), or part of one.
                    let i = 0;
                    for (let j = d.indexOf("\x1e"); j !== -1; i = j + 1, j = d.indexOf("\x1e", i))
                        ub.ws.push([at, j + 1 - i, target(d.slice(i, i + 200)), 1]);
                    if (i < d.length) ub.ws.push([at, d.length - i, target(d.slice(i, i + 200)), 0]);
                } else if (d instanceof ArrayBuffer) {
                    const bytes = new Uint8Array(d);
                    let head = "";
                    try { head = new TextDecoder().decode(bytes.subarray(0, 200)); } catch { }
                    ub.ws.push([at, d.byteLength, target(head), bytes[bytes.length - 1] === 0x1e ? 1 : 0]);
                } else {
                    ub.ws.push([at, d && d.size || 0, "", 0]);
                }
            });
            return ws;
        },
    });

    // --- DOM conditions ------------------------------------------------------------------------
    const q = s => document.querySelector(s);
    const esc = v => CSS.escape(v);
    const tests = {
        // The diagram has drawn the topology, and the failure-mode panel shows its rows with findings read.
        // (Visibility is checked by the bench after the paint: asking here would force a layout in
        // the middle of the page's render and move its cost.)
        ready: () => {
            if (!q("[data-testid=diagram][data-ready=true]")) return false;
            const p = q("[data-testid=failure-modes]");
            if (!p) return false;
            const s = p.querySelector("[data-testid=failure-summary]");
            return !!s && !/reading findings/.test(s.textContent) && !!p.querySelector("[data-testid=failure-mode]");
        },
        connected: () => !!q("[data-testid=connection][data-status=connected]"),
        tileDown: pod => !!q(`[data-testid=diagram-ns][data-ns-name="${esc(pod)}"][data-state=error]`),
        findingDown: pod => !!q(`[data-testid=failure-mode][data-rule=interface-down][data-level=error] [data-testid=finding][data-namespace="${esc(pod)}"][data-interface=eth0]`),
        tileGone: pod => !q(`[data-testid=diagram-ns][data-ns-name="${esc(pod)}"]:not([data-state=ok])`),
        findingGone: pod => !q(`[data-testid=failure-mode][data-rule=interface-down] [data-testid=finding][data-namespace="${esc(pod)}"]`),
    };
    const afterNextFrame = fn => requestAnimationFrame(() => {
        const c = new MessageChannel();
        c.port1.onmessage = () => fn();
        c.port2.postMessage(0);
    });
    const check = () => {
        if (!ub.watches.length) return;
        const at = now();
        const met = [];
        for (const w of ub.watches) {
            let ok = false;
            try { ok = w.test(); } catch { }
            if (ok) met.push(w);
        }
        if (!met.length) return;
        ub.watches = ub.watches.filter(w => !met.includes(w));
        for (const w of met) {
            const r = ub.done[w.name] = { dom: at, paint: null };
            afterNextFrame(() => { r.paint = now(); });
        }
        if (!ub.watches.length) observer.disconnect(), ub.observing = false;
    };
    const observer = new MutationObserver(check);
    // watch([[name, kind, arg], ...]): arms the conditions; returns the names already met.
    ub.watch = list => {
        for (const [name, kind, arg] of list) {
            delete ub.done[name];
            ub.watches.push({ name, test: () => tests[kind](arg) });
        }
        if (!ub.observing) {
            observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
            ub.observing = true;
        }
        check();
        return list.map(l => l[0]).filter(n => ub.done[n]);
    };
    ub.result = names => names.map(n => ub.done[n] ? [ub.done[n].dom, ub.done[n].paint ?? 0] : null);
    ub.wsFrom = i => ub.ws.slice(i);

    // Frames, long tasks and long animation frames in [a, b] (a frame or task counts where it ends).
    ub.stats = (a, b) => {
        const gaps = ub.gaps.filter(g => g[0] >= a && g[0] <= b).map(g => g[1]);
        const lts = ub.longTasks.filter(t => t[0] + t[1] >= a && t[0] <= b);
        const loafs = ub.loafs.filter(t => t[0] + t[1] >= a && t[0] <= b);
        const max = xs => xs.length ? Math.max(...xs) : 0;
        const worstLoaf = loafs.reduce((w, l) => (!w || l[1] > w[1] ? l : w), null);
        return {
            frames: gaps.length,
            maxGap: max(gaps),
            gapsOver50: gaps.filter(g => g > 50).length,
            gapsOver100: gaps.filter(g => g > 100).length,
            gapsOver200: gaps.filter(g => g > 200).length,
            longTasks: lts.length,
            maxLongTask: max(lts.map(t => t[1])),
            longTasksOver200: lts.filter(t => t[1] > 200).length,
            longTaskMs: lts.reduce((s, t) => s + t[1], 0),
            loafs: loafs.length,
            maxLoaf: max(loafs.map(t => t[1])),
            maxLoafBlocking: max(loafs.map(t => t[2])),
            worstLoafScript: worstLoaf ? worstLoaf[3] : "",
            longTaskApi: !ub.noLongTask,
            loafApi: !ub.noLoaf,
        };
    };

    // The first load: the navigation and the resources, with their sizes, as wall times.
    ub.loadInfo = () => {
        const o = performance.timeOrigin;
        const nav = performance.getEntriesByType("navigation")[0];
        const res = performance.getEntriesByType("resource");
        const pick = re => res.filter(r => re.test(new URL(r.name).pathname));
        const endOf = list => list.length ? o + Math.max(...list.map(r => r.responseEnd)) : 0;
        const startOf = list => list.length ? o + Math.min(...list.map(r => r.startTime)) : 0;
        const all = nav ? [nav, ...res] : res;
        const sum = (list, f) => list.reduce((s, r) => s + (r[f] || 0), 0);
        const kinds = {};
        for (const r of all) {
            const p = new URL(r.name).pathname;
            const k = r === nav ? "document" : /\.wasm$/.test(p) ? "wasm" : /\.js$/.test(p) ? "js" : /\.css$/.test(p) ? "css"
                : /^\/api\//.test(p) ? "api" : /^\/hubs\//.test(p) ? "hub" : /\.(dat|json)$/.test(p) ? "data" : "other";
            const e = kinds[k] ??= { n: 0, transfer: 0, encoded: 0, decoded: 0 };
            e.n++; e.transfer += r.transferSize || 0; e.encoded += r.encodedBodySize || 0; e.decoded += r.decodedBodySize || 0;
        }
        const topo = pick(/^\/api\/topology/).sort((a, b) => a.startTime - b.startTime);
        return {
            origin: o,
            navStart: o + (nav ? nav.startTime : 0),
            htmlEnd: nav ? o + nav.responseEnd : 0,
            domContentLoaded: nav ? o + nav.domContentLoadedEventEnd : 0,
            firstWasmStart: startOf(pick(/\.wasm$/)),
            lastWasmEnd: endOf(pick(/\.wasm$/)),
            topologyStart: startOf(topo),
            topologyEnd: topo.length ? o + topo[0].responseEnd : 0,
            topologyRequests: topo.length,
            topologyBytes: topo.length ? topo[0].encodedBodySize : 0,
            topologyDecoded: topo.length ? topo[0].decodedBodySize : 0,
            findingsEnd: endOf(pick(/^\/api\/findings/)),
            count: all.length,
            transfer: sum(all, "transferSize"),
            encoded: sum(all, "encodedBodySize"),
            decoded: sum(all, "decodedBodySize"),
            kinds,
        };
    };
    ub.watch([["ready", "ready"], ["connected", "connected"]]);
})();
