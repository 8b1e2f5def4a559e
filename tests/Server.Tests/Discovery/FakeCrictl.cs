using System.Text.Json.Nodes;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>
/// A stand-in for crictl: a bash script in a temporary folder that answers `pods -o json` and
/// `inspectp -o json ID…` from files the test writes, and logs every call. It stands in for the CRI
/// runtime, not for the kernel: there is no containerd or CRI-O on the test machine, and a real pod
/// sandbox needs a pause image that cannot be downloaded here. The namespaces it names are real ones
/// the test made; discovery matches them through the kernel (the inode of a path or of a pid's
/// namespace) exactly as it would a runtime's.
/// </summary>
public sealed class FakeCrictl : IDisposable
{
    private const string Script = """
        #!/bin/bash
        # Fake crictl for the dashboard's tests (see FakeCrictl.cs).
        here="$(dirname "$0")"
        printf '%s\n' "$*" >> "$here/calls"
        if [ "$1" = "--runtime-endpoint" ]; then shift 2; fi
        while [ -f "$here/gate" ]; do sleep 0.02; done
        if [ -f "$here/fail" ]; then cat "$here/fail" >&2; exit 1; fi
        if [ "$1" = "inspectp" ] && [ -f "$here/fail-inspectp" ]; then cat "$here/fail-inspectp" >&2; exit 1; fi
        case "$1" in
          pods)
            # Before call N (counting this one), the runtime lists nothing yet.
            if [ -f "$here/pods-from" ] && [ "$(grep -cE '(^| )pods( |$)' "$here/calls")" -lt "$(cat "$here/pods-from")" ]; then
              echo '{"items":[]}'
            else
              cat "$here/pods.json"
            fi ;;
          inspectp)
            shift 3
            for id in "$@"; do
              if [ ! -f "$here/inspect-$id.json" ]; then
                echo "getting the pod sandbox status of \"$id\": rpc error: code = NotFound desc = an error occurred when try to find sandbox: not found" >&2
                exit 1
              fi
              cat "$here/inspect-$id.json"
            done ;;
          *) echo "fake crictl: unexpected $*" >&2; exit 2 ;;
        esac
        """;

    private readonly DirectoryInfo _dir;

    public FakeCrictl(string prefix)
    {
        _dir = Directory.CreateTempSubdirectory($"{prefix}-crictl-");
        Path = System.IO.Path.Combine(_dir.FullName, "crictl");
        File.WriteAllText(Path, Script.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Pods();
    }

    public string Path { get; }

    /// <summary>What `crictl pods -o json` prints from now on: {"items":[…]}.</summary>
    public void Pods(params Sandbox[] sandboxes)
    {
        var items = new JsonArray();
        foreach (var s in sandboxes)
        {
            items.Add(new JsonObject
            {
                ["id"] = s.Id,
                ["metadata"] = new JsonObject { ["name"] = s.Name, ["uid"] = $"uid-{s.Id}", ["namespace"] = s.Namespace, ["attempt"] = 0 },
                ["state"] = s.State,
                ["createdAt"] = "1732752000000000000",
                ["labels"] = new JsonObject(),
                ["annotations"] = new JsonObject(),
                ["runtimeHandler"] = "",
            });
            File.WriteAllText(InspectFile(s.Id), Inspect(s).ToJsonString());
        }
        WriteAtomically("pods.json", new JsonObject { ["items"] = items }.ToJsonString());
    }

    /// <summary>
    /// `crictl pods` lists nothing before its <paramref name="call"/>th call (counting from 1), then what
    /// <see cref="Pods"/> says: a runtime that makes the namespace before it lists the sandbox.
    /// </summary>
    public void ListPodsFromCall(int call) => WriteAtomically("pods-from", call.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>How many times `crictl pods` was called.</summary>
    public int PodsCalls => Calls.Count(c => c.EndsWith("pods -o json", StringComparison.Ordinal));

    /// <summary>The runtime no longer knows this sandbox: `inspectp` says NotFound (removed between `pods` and `inspectp`).</summary>
    public void Forget(string id) => File.Delete(InspectFile(id));

    /// <summary>What `crictl pods` prints instead of JSON.</summary>
    public void PodsOutput(string text) => WriteAtomically("pods.json", text);

    /// <summary>From now on every call exits 1 saying <paramref name="stderr"/>; null: answer again.</summary>
    public void Fail(string? stderr)
    {
        var file = System.IO.Path.Combine(_dir.FullName, "fail");
        if (stderr is null) System.IO.File.Delete(file);
        else System.IO.File.WriteAllText(file, stderr + "\n");
    }

    /// <summary>From now on `inspectp` (only) exits 1 saying <paramref name="stderr"/>; null: answer again.</summary>
    public void FailInspect(string? stderr)
    {
        var file = System.IO.Path.Combine(_dir.FullName, "fail-inspectp");
        if (stderr is null) System.IO.File.Delete(file);
        else System.IO.File.WriteAllText(file, stderr + "\n");
    }

    /// <summary>While closed, every call waits (a slow runtime).</summary>
    public void Gate(bool closed)
    {
        var file = System.IO.Path.Combine(_dir.FullName, "gate");
        if (closed) System.IO.File.WriteAllText(file, "");
        else System.IO.File.Delete(file);
    }

    /// <summary>The argument lists crictl was called with, one line per call.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            var file = System.IO.Path.Combine(_dir.FullName, "calls");
            return System.IO.File.Exists(file) ? System.IO.File.ReadAllLines(file) : [];
        }
    }

    /// <summary>
    /// containerd's shape (pid and the namespace path in the runtime spec) when the sandbox has a path,
    /// CRI-O's without an infra container's path (pid and a spec whose network entry has no path) otherwise.
    /// </summary>
    private static JsonObject Inspect(Sandbox s)
    {
        var network = new JsonObject { ["type"] = "network" };
        if (s.NetnsPath is not null) network["path"] = s.NetnsPath;
        var info = new JsonObject
        {
            ["runtimeSpec"] = new JsonObject
            {
                ["ociVersion"] = "1.1.0",
                ["process"] = new JsonObject { ["args"] = new JsonArray("/pause") },
                ["linux"] = new JsonObject { ["namespaces"] = new JsonArray(new JsonObject { ["type"] = "pid" }, network, new JsonObject { ["type"] = "ipc" }) },
            },
        };
        if (s.Pid is { } pid) info["pid"] = pid;
        return new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["id"] = s.Id,
                ["metadata"] = new JsonObject { ["attempt"] = 0, ["name"] = s.Name, ["namespace"] = s.Namespace, ["uid"] = $"uid-{s.Id}" },
                ["state"] = s.State,
                ["network"] = new JsonObject { ["additionalIps"] = new JsonArray(), ["ip"] = s.Ip ?? "" },
                ["labels"] = new JsonObject(),
                ["annotations"] = new JsonObject(),
            },
            ["info"] = info,
        };
    }

    private string InspectFile(string id) => System.IO.Path.Combine(_dir.FullName, $"inspect-{id}.json");

    /// <summary>A reader never sees half a file.</summary>
    private void WriteAtomically(string name, string text)
    {
        var target = System.IO.Path.Combine(_dir.FullName, name);
        var temp = target + ".tmp";
        System.IO.File.WriteAllText(temp, text);
        System.IO.File.Move(temp, target, overwrite: true);
    }

    public void Dispose() => _dir.Delete(recursive: true);

    public sealed record Sandbox(string Id, string Name, string Namespace, string State = "SANDBOX_READY", string? NetnsPath = null, int? Pid = null, string? Ip = null);
}
