// Thin React wrapper of the d3 topology controller. It subscribes to the store itself and
// feeds the controller on every animation frame without re-rendering React.
import { memo, useEffect, useRef } from 'react';
import { packetLabel } from '../packetLabel';
import { useAppStore } from '../react';
import { Scroll } from '../Scroll';
import type { AppState } from '../store';
import { currentEvent, currentPacket, flightsAt } from '../timeline';
import { type Layout, layoutTopology } from './topologyLayout';
import { createTopologyView, LABEL_MARGIN } from './topologyView';

function TopologyView({ label }: { label: string }) {
  const store = useAppStore();
  const ref = useRef<SVGSVGElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const labelRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const othersRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const svg = ref.current;
    const canvas = canvasRef.current;
    if (!svg || !canvas) return;
    const view = createTopologyView(
      {
        svg,
        canvas,
        ...(labelRef.current ? { label: labelRef.current } : {}),
        ...(othersRef.current ? { others: othersRef.current } : {}),
      },
      (pkt) => store.getState().selectPacket(pkt),
    );
    // The label changes only when the playhead or the packet does, not on every frame.
    let label: { key: string; value: ReturnType<typeof packetLabel> } | undefined;
    let layout: { result: AppState['result']; room: string; layout: Layout } | undefined;
    // The svg's size, as the ResizeObserver tells it: reading it (per frame, or as the view
    // mounts) would force a layout of the page, inside React's commit of a run just landed.
    let size = { w: 640, h: 300 };
    // The room the panel gives the drawing (its scrolling box, scrollbars included: it does not
    // change with what is drawn in it), which decides how the hosts are arranged. Read in the
    // observer's notices, after the frame's layout, where reading it costs nothing.
    const wrap = wrapRef.current;
    const roomOf = () => ({ w: wrap?.offsetWidth || size.w, h: wrap?.offsetHeight || size.h });
    let room = { ...size };
    const render = (s: AppState) => {
      if (!s.result || !s.index) return;
      // Laid out once per run and panel size: a panel too narrow for the scenario's arrangement
      // gets another one (a row folded, or turned into a column) rather than a scrolling drawing.
      const roomKey = `${room.w}x${room.h}`;
      if (layout?.result !== s.result || layout.room !== roomKey) {
        const next = layoutTopology(
          s.result.hosts,
          s.result.scenario,
          { width: room.w, height: room.h },
          LABEL_MARGIN,
        );
        // The same arrangement as before keeps its object: the view redraws only a new one.
        const where = (l: Layout) => l.hosts.map((h) => `${h.x},${h.y}`).join(' ');
        const same = layout?.result === s.result && where(layout.layout) === where(next);
        layout = { result: s.result, room: roomKey, layout: same ? layout!.layout : next };
        // Never drawn smaller than 1:1, where its text is 11 px: a panel too small scrolls
        // (and the page layout gives the topology room first) rather than shrink the text.
        // (+1: the size the view fits to is rounded to whole pixels.)
        svg.style.minWidth = `${Math.ceil(layout.layout.width) + 1}px`;
        svg.style.minHeight = `${Math.ceil(layout.layout.height) + 1}px`;
      }
      const ev = currentEvent(s.result.events, s.playhead);
      const dev = ev && 'dev' in ev ? ev.dev : undefined;
      view.update({
        layout: layout.layout,
        panel: { width: size.w, height: size.h },
        flights: flightsAt(s.index, s.cursor),
        settled: !s.playing,
        ...(ev ? { current: { host: ev.host, ...(typeof dev === 'string' ? { dev } : {}) } } : {}),
        ...(() => {
          const p = s.selectedPacket ?? currentPacket(s.index, s.playhead);
          const key = `${s.runId}/${s.playhead}/${p}`;
          if (label?.key !== key)
            label = { key, value: packetLabel(s.result.events, s.index, p, s.playhead) };
          return {
            ...(p !== undefined ? { selectedPacket: p } : {}),
            ...(label.value ? { label: label.value } : {}),
          };
        })(),
      });
    };
    // The first drawing waits for the observer's first notice (after the frame's own layout).
    const ro = new ResizeObserver((entries) => {
      for (const e of entries)
        if (e.target === svg)
          size = { w: Math.round(e.contentRect.width) || 640, h: Math.round(e.contentRect.height) || 300 };
      room = roomOf();
      render(store.getState());
    });
    ro.observe(svg);
    if (wrap) ro.observe(wrap);
    const unsub = store.subscribe((s, prev) => {
      if (
        s.cursor !== prev.cursor ||
        s.result !== prev.result ||
        s.selectedPacket !== prev.selectedPacket ||
        s.playing !== prev.playing
      )
        render(s);
      // The page takes the new theme's colours after React commits: redraw the canvas then.
      if (s.theme !== prev.theme) requestAnimationFrame(() => render(store.getState()));
    });
    return () => {
      unsub();
      ro.disconnect();
      view.destroy();
    };
  }, [store]);
  return (
    // A drawing wider than its panel (never shrunk below 11 px text) scrolls: by keyboard too.
    <Scroll className="topology-wrap" ref={wrapRef}>
      <svg ref={ref} className="topology" role="img" aria-label={label} preserveAspectRatio="xMidYMid meet" />
      <canvas ref={canvasRef} className="topology-packets" />
      <div ref={othersRef} className="pkt-labels-other" aria-hidden="true" />
      <div ref={labelRef} className="pkt-label mono" role="note" aria-label="packet" hidden />
    </Scroll>
  );
}

// Memoised: the store drives its drawing directly; React has nothing to redo unless its name changes.
export const Topology = memo(TopologyView);
