package dev.openhands.runtime.gateway.failure;

/**
 * The page a browser sees while its sandbox starts: small, no external assets. A script polls the same URL with
 * {@code HEAD} (every second for the first 20 s, when most sandboxes come up, then every two) and reloads once the
 * answer is no longer the starting one; it gives up after three minutes with a message. Without scripts, a
 * {@code <meta refresh>} reloads the page every two seconds.
 */
final class StartingPage {

  /** How long the page polls before it gives up. */
  static final int GIVE_UP_SECONDS = 180;
  /** How long the page polls every second before it slows to every two. */
  static final int FAST_POLL_SECONDS = 20;

  private StartingPage() {}

  static String render(SandboxStarting starting) {
    long waited = Math.max(0, starting.waitedSeconds());
    String detail = ErrorResponses.escapeHtml(capitalized(starting.detail()));
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        + "<noscript><meta http-equiv=\"refresh\" content=\"" + SandboxStarting.RETRY_AFTER_SECONDS + "\"></noscript>"
        + "<title>Starting the sandbox</title><style>"
        + "body{font:16px/1.5 system-ui,sans-serif;margin:0;min-height:100vh;display:grid;place-items:center;"
        + "background:#f6f7f9;color:#1f2328}main{max-width:34rem;padding:2rem}h1{font-size:1.4rem;margin:0 0 .5rem}"
        + ".dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;background:#2f81f7;margin-right:.5rem;"
        + "animation:p 1.2s infinite}@keyframes p{50%{opacity:.2}}#waited{color:#59636e}"
        + "</style></head><body><main><h1><span class=\"dot\"></span>Starting the sandbox</h1>"
        + "<p id=\"what\">" + detail + ". This page opens the app by itself as soon as it answers.</p>"
        + "<p id=\"waited\" data-waited=\"" + waited + "\">Waiting for " + waited + " s.</p></main>"
        + "<script>(function(){var s=Date.now()-" + waited + "*1000,w=document.getElementById('waited'),done=false;"
        + "function t(){if(!done)w.textContent='Waiting for '+Math.round((Date.now()-s)/1000)+' s.';}"
        + "function n(){if(Date.now()-s>" + GIVE_UP_SECONDS + "000){done=true;w.textContent='The sandbox did not"
        + " start within " + GIVE_UP_SECONDS / 60 + " minutes. Reload this page to try again, or open the"
        + " conversation in OpenHands.';return;}setTimeout(p,Date.now()-s<" + FAST_POLL_SECONDS + "000?1000:"
        + SandboxStarting.RETRY_AFTER_SECONDS + "000);}"
        + "function p(){fetch(location.href,{method:'HEAD',cache:'no-store',credentials:'same-origin'})"
        + ".then(function(r){if(r.headers.get('" + SandboxStarting.STATUS_HEADER + "')!=='starting'){done=true;"
        + "location.reload();}else{n();}},n);}setInterval(t,1000);n();})();</script></body></html>\n";
  }

  private static String capitalized(String detail) {
    return detail.isEmpty() ? detail : Character.toUpperCase(detail.charAt(0)) + detail.substring(1);
  }
}
