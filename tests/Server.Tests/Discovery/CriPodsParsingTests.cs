using Dashboard.Server.Discovery;
using Dashboard.Server.Processes;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>crictl's JSON as containerd and CRI-O make it print: pure parsing, no kernel, no crictl.</summary>
public sealed class CriPodsParsingTests
{
    // `crictl pods -o json` on a containerd node: one ready pod, one stopped one (attempt 0, then 1).
    private const string ContainerdPods = """
        {
          "items": [
            {
              "id": "5e0b0c3f8a9d4e2b9c7a61f0d3e5b8a2c4f6e8d0b2a4c6e8f0a2b4c6d8e0f2a4",
              "metadata": {
                "name": "coredns-7db6d8ff4d-x2kq9",
                "uid": "0f6c2b1e-3a4d-4c5e-8f9a-1b2c3d4e5f60",
                "namespace": "kube-system",
                "attempt": 1
              },
              "state": "SANDBOX_READY",
              "createdAt": "1732752000123456789",
              "labels": {
                "io.kubernetes.pod.name": "coredns-7db6d8ff4d-x2kq9",
                "io.kubernetes.pod.namespace": "kube-system",
                "k8s-app": "kube-dns"
              },
              "annotations": {
                "kubernetes.io/config.source": "api"
              },
              "runtimeHandler": ""
            },
            {
              "id": "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
              "metadata": {
                "name": "cart-5d8f7c9b6-abcde",
                "uid": "11111111-2222-3333-4444-555555555555",
                "namespace": "shop",
                "attempt": 0
              },
              "state": "SANDBOX_NOTREADY",
              "createdAt": "1732751000000000000",
              "labels": {},
              "annotations": {},
              "runtimeHandler": "runc"
            }
          ]
        }
        """;

    // `crictl inspectp -o json ID` on containerd (2.x; 1.7 is the same where it matters): the namespace
    // path is in the runtime spec, the pause process's pid in info.pid.
    private const string ContainerdInspect = """
        {
          "status": {
            "id": "5e0b0c3f8a9d4e2b9c7a61f0d3e5b8a2c4f6e8d0b2a4c6e8f0a2b4c6d8e0f2a4",
            "metadata": { "attempt": 1, "name": "coredns-7db6d8ff4d-x2kq9", "namespace": "kube-system", "uid": "0f6c2b1e-3a4d-4c5e-8f9a-1b2c3d4e5f60" },
            "state": "SANDBOX_READY",
            "createdAt": "2024-11-28T00:00:00.123456789Z",
            "network": { "additionalIps": [ { "ip": "fd00:10:244::5" } ], "ip": "10.244.0.5" },
            "linux": { "namespaces": { "options": { "ipc": "POD", "network": "POD", "pid": "CONTAINER", "targetId": "", "usernsOptions": null } } },
            "labels": { "io.kubernetes.pod.name": "coredns-7db6d8ff4d-x2kq9" },
            "annotations": {},
            "runtimeHandler": ""
          },
          "info": {
            "pid": 48095,
            "processStatus": "running",
            "netNamespaceClosed": false,
            "image": "registry.k8s.io/pause:3.10",
            "snapshotKey": "5e0b0c3f8a9d4e2b9c7a61f0d3e5b8a2c4f6e8d0b2a4c6e8f0a2b4c6d8e0f2a4",
            "snapshotter": "overlayfs",
            "runtimeHandler": "",
            "runtimeType": "io.containerd.runc.v2",
            "runtimeOptions": { "systemd_cgroup": true },
            "config": { "metadata": { "name": "coredns-7db6d8ff4d-x2kq9", "uid": "0f6c2b1e-3a4d-4c5e-8f9a-1b2c3d4e5f60", "namespace": "kube-system", "attempt": 1 }, "linux": {} },
            "runtimeSpec": {
              "ociVersion": "1.1.0",
              "process": { "user": { "uid": 65535, "gid": 65535 }, "args": [ "/pause" ], "cwd": "/" },
              "root": { "path": "rootfs", "readonly": true },
              "linux": {
                "cgroupsPath": "kubepods-burstable-pod0f6c2b1e.slice:cri-containerd:5e0b0c3f8a9d",
                "namespaces": [
                  { "type": "pid" },
                  { "type": "ipc" },
                  { "type": "uts" },
                  { "type": "mount" },
                  { "type": "network", "path": "/var/run/netns/cni-6c2b7a1f-2d3e-9a8b-4c5d-6e7f8a9b0c1d" }
                ]
              }
            },
            "cniResult": { "Interfaces": { "eth0": { "IPConfigs": [ { "IP": "10.244.0.5", "Gateway": "10.244.0.1" } ], "Mac": "2a:3b:4c:5d:6e:7f", "Sandbox": "/var/run/netns/cni-6c2b7a1f-2d3e-9a8b-4c5d-6e7f8a9b0c1d" } } }
          }
        }
        """;

    // CRI-O with an infra (pause) container: image, pid and the runtime spec; the pinned namespace under /var/run/netns/UUID.
    private const string CrioInspect = """
        {
          "status": {
            "id": "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc",
            "metadata": { "attempt": 0, "name": "etcd-node1", "namespace": "kube-system", "uid": "abcdefab-cdef-abcd-efab-cdefabcdefab" },
            "state": "SANDBOX_READY",
            "createdAt": "2024-11-28T00:00:00.000000001Z",
            "network": { "additionalIps": [], "ip": "10.85.0.12" },
            "linux": { "namespaces": { "options": { "ipc": "POD", "network": "POD", "pid": "CONTAINER", "targetId": "" } } },
            "labels": {},
            "annotations": {},
            "runtimeHandler": ""
          },
          "info": {
            "image": "registry.k8s.io/pause:3.9",
            "pid": 2210,
            "runtimeSpec": {
              "ociVersion": "1.0.2-dev",
              "process": { "user": { "uid": 0, "gid": 0 }, "args": [ "/pause" ], "cwd": "/" },
              "hostname": "etcd-node1",
              "linux": {
                "namespaces": [
                  { "type": "pid" },
                  { "type": "network", "path": "/var/run/netns/4b1e3c2a-9d8f-4e7a-b6c5-d4e3f2a1b0c9" },
                  { "type": "ipc", "path": "/var/run/ipcns/4b1e3c2a-9d8f-4e7a-b6c5-d4e3f2a1b0c9" },
                  { "type": "uts", "path": "/var/run/utsns/4b1e3c2a-9d8f-4e7a-b6c5-d4e3f2a1b0c9" },
                  { "type": "mount" }
                ]
              }
            }
          }
        }
        """;

    // CRI-O without an infra container (drop_infra_ctr): the spec only, no pid.
    private const string CrioInspectNoInfra = """
        {"status":{"id":"d00d","metadata":{"attempt":0,"name":"web-0","namespace":"default","uid":"u"},"state":"SANDBOX_READY","network":{"ip":"10.85.0.13"}},
         "info":{"runtimeSpec":{"ociVersion":"1.0.2-dev","linux":{"namespaces":[{"type":"network","path":"/var/run/netns/9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"},{"type":"pid"}]}}}}
        """;

    [Fact]
    public void The_pods_list_gives_id_name_namespace_and_state()
    {
        var r = CriPods.ParsePods(ContainerdPods);

        Assert.Null(r.Error);
        Assert.Equal(2, r.Pods.Count);
        var coredns = r.Pods[0];
        Assert.Equal("5e0b0c3f8a9d4e2b9c7a61f0d3e5b8a2c4f6e8d0b2a4c6e8f0a2b4c6d8e0f2a4", coredns.Id);
        Assert.Equal("kube-system/coredns-7db6d8ff4d-x2kq9", coredns.OwnerName);
        Assert.Equal(CriPod.Ready, coredns.State);
        Assert.True(coredns.IsReady);
        Assert.Null(coredns.NetnsPath);
        Assert.Null(coredns.Pid);
        Assert.Equal(new CriPod("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", "cart-5d8f7c9b6-abcde", "shop", CriPod.NotReady), r.Pods[1]);
        Assert.False(r.Pods[1].IsReady);
    }

    [Fact]
    public void An_empty_node_lists_no_pods_and_no_error()
    {
        Assert.Empty(CriPods.ParsePods("""{"items":[]}""").Pods);
        Assert.Null(CriPods.ParsePods("""{"items":[]}""").Error);
        Assert.Null(CriPods.ParsePods("""{"items":null}""").Error);
    }

    [Fact]
    public void Pods_without_an_id_or_a_name_are_skipped_and_missing_fields_are_null()
    {
        var r = CriPods.ParsePods("""
            {"items":[
              {"metadata":{"name":"no-id","namespace":"x"},"state":"SANDBOX_READY"},
              {"id":"noname","metadata":{"namespace":"x"}},
              {"id":"nometa"},
              {"id":"bare","metadata":{"name":"bare-pod"}},
              {"id":"numeric","metadata":{"name":"old","namespace":""},"state":1},
              "not an object"
            ]}
            """);

        Assert.Null(r.Error);
        Assert.Equal([new CriPod("bare", "bare-pod", null, null), new CriPod("numeric", "old", null, CriPod.NotReady)], r.Pods);
        Assert.Equal("bare-pod", r.Pods[0].OwnerName);
    }

    [Fact]
    public void A_very_old_crictl_printing_the_bare_array_is_read_too()
    {
        var r = CriPods.ParsePods("""[{"id":"abc","metadata":{"name":"p","namespace":"n"},"state":0}]""");

        Assert.Null(r.Error);
        Assert.Equal("n/p", Assert.Single(r.Pods).OwnerName);
        Assert.True(r.Pods[0].IsReady);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("FATA[0002] validate service connection: CRI v1 runtime API is not implemented")]
    [InlineData("""{"items":[{"id":"x","metadata":{"name":"cut""")]
    [InlineData("""{"kind":"something else"}""")]
    [InlineData("42")]
    [InlineData("\"items\"")]
    public void Garbage_gives_no_pods_and_a_reason(string json)
    {
        var r = CriPods.ParsePods(json);

        Assert.Empty(r.Pods);
        Assert.False(string.IsNullOrWhiteSpace(r.Error));
    }

    [Fact]
    public void Containerd_inspect_gives_the_namespace_path_and_pid()
    {
        var r = CriPods.ParseInspect(ContainerdInspect);

        Assert.Null(r.Error);
        var pod = Assert.Single(r.Pods);
        Assert.Equal(new CriPod("5e0b0c3f8a9d4e2b9c7a61f0d3e5b8a2c4f6e8d0b2a4c6e8f0a2b4c6d8e0f2a4", "coredns-7db6d8ff4d-x2kq9", "kube-system", CriPod.Ready,
            "/var/run/netns/cni-6c2b7a1f-2d3e-9a8b-4c5d-6e7f8a9b0c1d", 48095), pod);
    }

    [Fact]
    public void Crio_inspect_gives_the_pinned_namespace_and_the_infra_pid()
    {
        var r = CriPods.ParseInspect(CrioInspect);

        Assert.Null(r.Error);
        var pod = Assert.Single(r.Pods);
        Assert.Equal("kube-system/etcd-node1", pod.OwnerName);
        Assert.Equal("/var/run/netns/4b1e3c2a-9d8f-4e7a-b6c5-d4e3f2a1b0c9", pod.NetnsPath); // not the ipc or uts one
        Assert.Equal(2210, pod.Pid);
    }

    [Fact]
    public void Crio_without_an_infra_container_gives_the_path_and_no_pid()
    {
        var pod = Assert.Single(CriPods.ParseInspect(CrioInspectNoInfra).Pods);

        Assert.Equal("/var/run/netns/9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4", pod.NetnsPath);
        Assert.Null(pod.Pid);
        Assert.Equal("default/web-0", pod.OwnerName);
    }

    [Fact]
    public void Several_sandboxes_are_read_as_objects_one_after_another_and_as_an_array()
    {
        var stream = CriPods.ParseInspect(ContainerdInspect + "\n" + CrioInspect + "\n" + CrioInspectNoInfra);
        var array = CriPods.ParseInspect($"[{ContainerdInspect},{CrioInspect},\n{CrioInspectNoInfra}]");

        Assert.Null(stream.Error);
        Assert.Null(array.Error);
        Assert.Equal(["kube-system/coredns-7db6d8ff4d-x2kq9", "kube-system/etcd-node1", "default/web-0"], stream.Pods.Select(p => p.OwnerName));
        Assert.Equal(stream.Pods, array.Pods);
    }

    [Fact]
    public void Early_containerd_named_the_namespace_in_info_and_a_stopped_sandbox_has_pid_0()
    {
        var r = CriPods.ParseInspect("""
            {"status":{"id":"6ecc","metadata":{"attempt":0,"name":"kube-dns-6c857864fb-z88p2","namespace":"kube-system"},"state":"SANDBOX_NOTREADY","network":{"ip":""}},
             "info":{"pid":0,"processStatus":"deleted","netNamespace":"/var/run/netns/cni-ae2bd03e-4f7e-d9d0-911e-dafa7bb860e2","netNamespaceClosed":false}}
            """);

        var pod = Assert.Single(r.Pods);
        Assert.Equal("/var/run/netns/cni-ae2bd03e-4f7e-d9d0-911e-dafa7bb860e2", pod.NetnsPath);
        Assert.Null(pod.Pid);
        Assert.Equal(CriPod.NotReady, pod.State);
    }

    [Fact]
    public void An_info_left_as_a_json_string_is_read()
    {
        var r = CriPods.ParseInspect("""
            {"status":{"id":"s1","metadata":{"name":"p","namespace":"n"},"state":"SANDBOX_READY"},
             "info":"{\"pid\":77,\"runtimeSpec\":{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/run/netns/x\"}]}}}"}
            """);

        Assert.Equal(new CriPod("s1", "p", "n", CriPod.Ready, "/run/netns/x", 77), Assert.Single(r.Pods));
    }

    [Fact]
    public void Inspect_without_info_or_with_a_host_network_spec_gives_no_namespace()
    {
        var r = CriPods.ParseInspect("""
            {"status":{"id":"a","metadata":{"name":"plain","namespace":"n"},"state":"SANDBOX_READY"}}
            {"status":{"id":"b","metadata":{"name":"hostnet","namespace":"n"},"state":"SANDBOX_READY"},"info":{"pid":5,"runtimeSpec":{"linux":{"namespaces":[{"type":"pid"},{"type":"ipc"}]}}}}
            {"status":{"id":"c","metadata":{"name":"odd","namespace":"n"}},"info":{"pid":"12","runtimeSpec":{"linux":{"namespaces":{"type":"network"}}}}}
            """);

        Assert.Null(r.Error);
        Assert.Equal([new CriPod("a", "plain", "n", CriPod.Ready), new CriPod("b", "hostnet", "n", CriPod.Ready, null, 5), new CriPod("c", "odd", "n", null)], r.Pods);
    }

    [Fact]
    public void A_stream_cut_short_keeps_the_sandboxes_before_the_cut_and_says_why()
    {
        var r = CriPods.ParseInspect(CrioInspect + "\n{\"status\":{\"id\":\"trunc");

        Assert.Equal("kube-system/etcd-node1", Assert.Single(r.Pods).OwnerName);
        Assert.Contains("not JSON", r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("E1128 00:00:00.000000 1234 remote_runtime.go:432] \"PodSandboxStatus from runtime service failed\" err=\"rpc error: code = NotFound\"")]
    [InlineData("[1,2,3")]
    [InlineData("null")]
    [InlineData("true")]
    public void Inspect_garbage_gives_no_pods_and_a_reason(string json)
    {
        var r = CriPods.ParseInspect(json);

        Assert.Empty(r.Pods);
        Assert.False(string.IsNullOrWhiteSpace(r.Error));
    }

    [Fact]
    public void Sandboxes_without_a_status_are_skipped()
    {
        var r = CriPods.ParseInspect("""[{"info":{"pid":1}},{"status":{"metadata":{"name":"noid"}}},{"status":{"id":"ok","metadata":{"name":"p"}}}]""");

        Assert.Null(r.Error);
        Assert.Equal("p", Assert.Single(r.Pods).OwnerName);
    }

    [Fact]
    public void Crictl_is_looked_up_on_path_unless_it_is_a_path()
    {
        var dir = Directory.CreateTempSubdirectory("ndt-crictl-path-");
        // A name no machine has, so the /usr/sbin and /sbin that every lookup adds find nothing.
        var name = $"crictl-{Guid.NewGuid():N}";
        try
        {
            var exe = Path.Combine(dir.FullName, name);
            File.WriteAllText(exe, "#!/bin/sh\n");
            Assert.Null(Executables.Find(name, $"/nonexistent:{dir.FullName}")); // not executable yet
            Assert.Null(Executables.Find(exe));
            File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            Assert.Equal(exe, Executables.Find(name, $"/nonexistent::{dir.FullName}"));
            Assert.Null(Executables.Find(name, "/nonexistent"));
            Assert.Null(Executables.Find(name)); // PATH
            Assert.Equal(exe, Executables.Find(exe));
            Assert.Null(Executables.Find(exe + "-missing", dir.FullName));
            Assert.Null(Executables.Find(name, exe)); // a file is not a folder
            Assert.Null(Executables.Find("", dir.FullName));
            // After the path, /usr/sbin and /sbin, where root's tools are when PATH misses them (ip: iproute2).
            Assert.Contains(Executables.Find("ip", "/nonexistent"), new[] { "/usr/sbin/ip", "/sbin/ip" });
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
