using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Dashboard.Server.Netlink;

/// <summary>
/// One dedicated thread that steps into a namespace with setns(2), does a small piece of work
/// there (typically: opening a netlink socket, which stays bound to that namespace), and steps
/// back. Namespace membership is per thread, so no pool thread is ever moved.
/// </summary>
internal sealed class NamespaceHopper : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;
    private readonly int _homeNet;
    private readonly int _homeUts;

    public NamespaceHopper()
    {
        _homeNet = Native.open("/proc/thread-self/ns/net", Native.O_RDONLY | Native.O_CLOEXEC);
        if (_homeNet < 0)
            throw new NetlinkException("open /proc/thread-self/ns/net", Marshal.GetLastPInvokeError());
        _homeUts = Native.open("/proc/thread-self/ns/uts", Native.O_RDONLY | Native.O_CLOEXEC);
        _thread = new Thread(Run) { IsBackground = true, Name = "netns-hopper" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="action"/> inside the namespace open at <paramref name="nsFd"/> and waits for it.</summary>
    /// <param name="nsType">CLONE_NEWNET or CLONE_NEWUTS.</param>
    public T RunIn<T>(int nsFd, Func<T> action, int nsType = Native.CLONE_NEWNET)
    {
        int home = nsType == Native.CLONE_NEWUTS ? _homeUts : _homeNet;
        if (home < 0)
            throw new NetlinkException("the home namespace is not open");
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            if (Native.setns(nsFd, nsType) != 0)
            {
                done.SetException(new NetlinkException("setns", Marshal.GetLastPInvokeError()));
                return;
            }
            try
            {
                done.SetResult(action());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
            finally
            {
                if (Native.setns(home, nsType) != 0)
                    Environment.FailFast($"netns-hopper could not return to its own namespace: {Native.Describe(Marshal.GetLastPInvokeError())}");
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs <paramref name="action"/> in each namespace of <paramref name="nsFds"/> in turn, in one
    /// hand-off to the hopper thread (it returns home once, at the end). A namespace that cannot
    /// be entered, or whose action throws, gets its exception instead of a value.
    /// </summary>
    public (T? Value, Exception? Error)[] RunInEach<T>(IReadOnlyList<int> nsFds, Func<T> action)
    {
        var results = new (T? Value, Exception? Error)[nsFds.Count];
        if (nsFds.Count == 0) return results;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            bool away = false;
            try
            {
                for (int i = 0; i < nsFds.Count; i++)
                {
                    if (Native.setns(nsFds[i], Native.CLONE_NEWNET) != 0)
                    {
                        results[i] = (default, new NetlinkException("setns", Marshal.GetLastPInvokeError()));
                        continue;
                    }
                    away = true;
                    try
                    {
                        results[i] = (action(), null);
                    }
                    catch (Exception e)
                    {
                        results[i] = (default, e);
                    }
                }
            }
            finally
            {
                // Without CAP_SYS_ADMIN every setns fails and the thread never left: nothing to undo.
                if (away && Native.setns(_homeNet, Native.CLONE_NEWNET) != 0)
                    Environment.FailFast($"netns-hopper could not return to its own namespace: {Native.Describe(Marshal.GetLastPInvokeError())}");
                done.SetResult();
            }
        });
        done.Task.GetAwaiter().GetResult();
        return results;
    }

    /// <summary>The kernel's id of the hopper thread (for /proc/self/task/TID), once it runs.</summary>
    public int ThreadId { get; private set; }

    private void Run()
    {
        ThreadId = Native.gettid();
        foreach (var item in _work.GetConsumingEnumerable())
            item();
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
        Native.close(_homeNet);
        if (_homeUts >= 0) Native.close(_homeUts);
    }
}
