// Network namespaces, setns(2) and rtnetlink are Linux's: the server runs nowhere else.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
