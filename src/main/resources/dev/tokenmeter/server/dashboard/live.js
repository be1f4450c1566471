// The live stream, GET api/v1/events (server-sent events: usage, threshold, pause, resume).
// EventSource reconnects by itself and sends Last-Event-ID; this only reports its state.

export const EVENT_TYPES = ['usage', 'threshold', 'pause', 'resume', 'budget', 'end'];

/**
 * Opens the stream. `onEvent(type, data, id)` gets each parsed event; `onState(state)` gets
 * "connecting", "live", "reconnecting" or "closed".
 */
export function connect({ onEvent, onState }) {
  let source;
  let retry;
  let wasOpen = false;

  const open = () => {
    onState(wasOpen ? 'reconnecting' : 'connecting');
    source = new EventSource('api/v1/events');
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
        onEvent(type, data, e.lastEventId);
      });
    }
  };

  open();
  return {
    close() {
      clearTimeout(retry);
      source?.close();
    },
  };
}
