using Dashboard.Shared;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Server.Hubs;

/// <summary>
/// /hubs/topology: the server pushes <see cref="ITopologyClient"/> calls; clients only listen.
/// A client reads the current state over REST first, then applies what arrives here.
/// </summary>
internal sealed class TopologyHub : Hub<ITopologyClient>;
