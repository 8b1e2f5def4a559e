namespace Dashboard.Server.Security;

/// <summary>The page shown to a browser without the access cookie. It reveals nothing of the node.</summary>
internal static class LoginPage
{
    public static string Render(bool wrongToken) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1.0" />
          <title>netns-dashboard: sign in</title>
          <style>
            body { font-family: system-ui, sans-serif; background: #f5f5f5; display: grid; place-items: center; min-height: 100vh; margin: 0; }
            form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 2px 8px rgba(0,0,0,.15); max-width: 28rem; }
            h1 { font-size: 1.25rem; margin-top: 0; }
            input { width: 100%; box-sizing: border-box; padding: .5rem; font-family: monospace; margin: .5rem 0 1rem; }
            button { padding: .5rem 1.25rem; background: #594ae2; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
            .error { color: #c62828; }
            code { background: #eee; padding: 0 .25rem; }
          </style>
        </head>
        <body>
          <form method="get" action="/">
            <h1>netns-dashboard</h1>
            {{(wrongToken ? "<p class=\"error\" id=\"login-error\">That token is not right.</p>" : "")}}
            <p>Open the link the server printed at start, or paste its access token
               (kept in <code>token</code> in the data directory).</p>
            <label for="token">Access token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" autofocus />
            <button type="submit">Sign in</button>
          </form>
        </body>
        </html>
        """;
}
