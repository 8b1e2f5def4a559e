using System.Text.Encodings.Web;

namespace Dashboard.Server.Security;

/// <summary>
/// The page shown to a browser without the access cookie: it looks like the dashboard (its app bar,
/// colours and system fonts, light or dark as the system is) and reveals nothing of the node, not
/// even its hostname. Its form sends the token as <c>GET /?token=…</c>, which
/// <see cref="TokenLoginMiddleware"/> turns into the cookie, with the page asked for as <c>returnUrl</c>.
/// </summary>
internal static class LoginPage
{
    public enum Problem
    {
        None,
        /// <summary>The form was sent without a token.</summary>
        EmptyToken,
        WrongToken,
    }

    /// <summary>What the request says of a login attempt: none, an empty token, or a wrong one (a right one never gets here).</summary>
    public static Problem ProblemOf(HttpRequest request) =>
        !request.Query.TryGetValue("token", out var token) ? Problem.None
        : string.IsNullOrWhiteSpace(token.ToString()) ? Problem.EmptyToken
        : Problem.WrongToken;

    /// <summary>No script, nothing loaded from anywhere, not framed, not cached, the address (which may hold a wrong token) not sent on.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static string Render(Problem problem, string returnPath)
    {
        var html = HtmlEncoder.Default;
        var local = ReturnPath.Sanitize(returnPath);
        var message = problem switch
        {
            Problem.WrongToken => "That token is not right. Copy it again from the server's link or its token file.",
            Problem.EmptyToken => "Paste the access token first.",
            _ => null,
        };
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8" />
              <meta name="viewport" content="width=device-width, initial-scale=1.0" />
              <meta name="color-scheme" content="light dark" />
              <meta name="referrer" content="no-referrer" />
              <meta name="robots" content="noindex" />
              <title>Sign in · netns-dashboard</title>
              <style>
                :root {
                  --bar: #263238; --primary: #3f51b5; --primary-hover: #303f9f; --on-primary: #fff;
                  --background: #f4f6f8; --surface: #fff; --text: rgba(0, 0, 0, .87); --dim: rgba(0, 0, 0, .6);
                  --border: rgba(0, 0, 0, .23); --error: #d32f2f; --error-bg: #fdecea; --code: #eceff1;
                }
                @media (prefers-color-scheme: dark) {
                  :root {
                    --bar: #1c2529; --primary: #7986cb; --primary-hover: #9fa8da; --on-primary: #121212;
                    --background: #32333d; --surface: #373740; --text: rgba(255, 255, 255, .87); --dim: rgba(255, 255, 255, .6);
                    --border: rgba(255, 255, 255, .3); --error: #f44336; --error-bg: #3b2426; --code: #2b2c34;
                  }
                }
                * { box-sizing: border-box; }
                body {
                  margin: 0; min-height: 100vh; background: var(--background); color: var(--text);
                  font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Helvetica, Arial, sans-serif;
                  font-size: .95rem; line-height: 1.5;
                }
                header {
                  height: 48px; display: flex; align-items: center; gap: .5rem; padding: 0 1rem;
                  background: var(--bar); color: #fff; box-shadow: 0 2px 4px rgba(0, 0, 0, .2);
                }
                header b { font-size: 1.1rem; font-weight: 600; }
                header span { margin-left: .75rem; font-size: .875rem; opacity: .8; }
                main { display: flex; justify-content: center; padding: 12vh 1rem 2rem; }
                form {
                  width: 100%; max-width: 30rem; padding: 1.75rem 2rem; border-radius: 4px;
                  background: var(--surface); box-shadow: 0 1px 3px rgba(0, 0, 0, .2), 0 1px 1px rgba(0, 0, 0, .14);
                }
                h1 { margin: 0 0 .75rem; font-size: 1.35rem; font-weight: 500; }
                p { margin: 0 0 1rem; }
                .dim { color: var(--dim); font-size: .85rem; }
                code { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .85em;
                       background: var(--code); padding: .1rem .3rem; border-radius: 3px; }
                pre { margin: 0 0 .35rem; }
                pre code { display: block; padding: .5rem .75rem; user-select: all; }
                label { display: block; margin-top: 1.25rem; font-size: .85rem; color: var(--dim); }
                input[type=password] {
                  width: 100%; margin: .25rem 0 1.25rem; padding: .6rem .75rem; border: 1px solid var(--border); border-radius: 4px;
                  background: transparent; color: var(--text); font: inherit; font-family: ui-monospace, "DejaVu Sans Mono", monospace;
                }
                input[type=password]:focus { outline: 2px solid var(--primary); outline-offset: -1px; border-color: transparent; }
                button {
                  padding: .5rem 1.4rem; border: 0; border-radius: 4px; background: var(--primary); color: var(--on-primary);
                  font: inherit; font-weight: 500; letter-spacing: .03em; text-transform: uppercase; cursor: pointer;
                  box-shadow: 0 2px 2px rgba(0, 0, 0, .14), 0 1px 5px rgba(0, 0, 0, .12);
                }
                button:hover, button:focus-visible { background: var(--primary-hover); }
                .error { margin: 0 0 1rem; padding: .6rem .9rem; border-radius: 4px; color: var(--error); background: var(--error-bg); }
              </style>
            </head>
            <body>
              <header>
                <svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true">
                  <g fill="currentColor"><circle cx="12" cy="12" r="3" /><circle cx="4.5" cy="5" r="2.2" /><circle cx="19.5" cy="5" r="2.2" /><circle cx="12" cy="20.5" r="2.2" /></g>
                  <g stroke="currentColor" stroke-width="1.8"><line x1="6" y1="6.5" x2="10" y2="10.2" /><line x1="18" y1="6.5" x2="14" y2="10.2" /><line x1="12" y1="15" x2="12" y2="18.5" /></g>
                </svg>
                <b>netns-dashboard</b><span>network namespaces and veth pairs</span>
              </header>
              <main>
                <form method="get" action="/" data-testid="login-form">
                  <h1>Sign in</h1>
                  {{(message is null ? "" : $"<p class=\"error\" id=\"login-error\" role=\"alert\">{html.Encode(message)}</p>")}}
                  <p>The token is in the link the server printed when it started (<code>…/?token=…</code>) and in the file
                     <code>token</code> of its data directory (<code>./data</code> unless <code>Dashboard:DataDirectory</code> says otherwise);
                     run in the folder the server was started from, this prints it:</p>
                  <pre><code>sudo cat data/token</code></pre>
                  <p class="dim">The file is readable by root only. Scripts send the token as <code>Authorization: Bearer …</code>.</p>
                  <label for="token">Access token</label>
                  <input id="token" name="token" type="password" autocomplete="current-password" spellcheck="false" required autofocus{{(message is null ? "" : " aria-invalid=\"true\" aria-describedby=\"login-error\"")}} />
                  {{(local == "/" ? "" : $"<input type=\"hidden\" name=\"{ReturnPath.Parameter}\" value=\"{html.Encode(local)}\" />")}}
                  <button type="submit">Sign in</button>
                </form>
              </main>
            </body>
            </html>
            """;
    }
}
