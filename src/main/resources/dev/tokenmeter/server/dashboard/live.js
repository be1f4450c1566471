// The live stream, GET api/v1/events (server-sent events: usage, threshold, pause, resume).
// EventSource reconnects by itself and sends Last-Event-ID; this only reports its state.

export const EVENT_TYPES = ['usage', 'threshold', 'pause', 'resume', 'notification'];

/**
 * Opens the stream. `onEvent(type, data, id)` gets each parsed event; `onState(state)` gets
 * "connecting", "live", "reconnecting" or "closed".
 */
export function connect({ onEvent, onState }) {
  let source;
  let retry;
  let wasOpen = false;
  let lastId = '';

  const open = () => {
    onState(wasOpen ? 'reconnecting' : 'connecting');
    // The first connection asks for every event the server still holds, so thresholds crossed
    // before the page was opened are shown too; EventSource's own reconnects send Last-Event-ID.
    source = new EventSource(lastId ? `api/v1/events?lastEventId=${encodeURIComponent(lastId)}` : 'api/v1/events?lastEventId=0');
    source.onopen = () => {
      wasOpen = true;
      onState('live');
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (not a drop): EventSource will not retry, so we do.
        onState('closed');
        clearTimeout(retry);
        retry = setTimeout(open, 3000);
      } else {
        onState('reconnecting');
      }
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (e) => {
        let data;
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        if (e.lastEventId) lastId = e.lastEventId;
        onEvent(type, data, e.lastEventId);
      });
    }
  };

  // A page kept in the back/forward cache must not hold its stream open: browsers allow only a
  // few connections per server, and a hidden page's stream would starve the visible one.
  window.addEventListener('pagehide', () => {
    clearTimeout(retry);
    source?.close();
  });
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) open();
  });

  open();
  return {
    close() {
      clearTimeout(retry);
      source?.close();
    },
  };
}
