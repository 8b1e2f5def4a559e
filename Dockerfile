# netns-dashboard: build with the .NET 10 SDK, run on the ASP.NET Core 10 runtime (Ubuntu 24.04 "noble":
# .NET 10 ships no Debian images; the tags say so instead of relying on the default).
# It must run as root, privileged, in the host's network and pid namespaces: see docker-compose.yml.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Server -c Release -r linux-x64 --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble
# The commands the dashboard runs (ip, ethtool, ping, tcpdump, nft, iptables-save, ps, nsenter) and the CNI
# plugins the lab's k8s-node scenario uses (containernetworking-plugins is in Ubuntu's universe, enabled in the image).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      iproute2 ethtool iputils-ping tcpdump nftables iptables procps util-linux containernetworking-plugins \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
COPY deploy/docker/healthz.sh /usr/local/bin/netns-dashboard-healthz
# Data (SQLite, the generated token) lives in a volume; the token can come from Dashboard__AuthToken.
# Loopback only (the server's own default, said here so that `docker inspect` shows it). The base
# image sets ASPNETCORE_HTTP_PORTS=8080, which would listen on every address: cleared.
# The published app finds its static web assets (blazor.web.js, the client) in its own folder
# whatever the working directory.
ENV Dashboard__DataDirectory=/var/lib/netns-dashboard \
    ASPNETCORE_URLS=http://127.0.0.1:5080 \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1
VOLUME /var/lib/netns-dashboard
# No curl in the image: a bash /dev/tcp GET of /healthz on the first address of ASPNETCORE_URLS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/usr/local/bin/netns-dashboard-healthz"]
ENTRYPOINT ["dotnet", "/app/Dashboard.Server.dll"]
