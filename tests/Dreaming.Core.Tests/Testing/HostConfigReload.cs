using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Hosting;

namespace Dreaming.Tests;

/// <summary>The hosts the tests build with <c>Host.CreateApplicationBuilder()</c> would each watch the content root for
/// <c>appsettings.json</c> changes, with one inotify instance per open host; a Linux user has 128 of them (shared by every
/// process of that user), so test classes running in parallel beside other processes could exhaust them and fail a
/// host's start. The tests do not exercise reloading, so the test process turns it off as it loads.</summary>
internal static class HostConfigReload
{
#pragma warning disable CA2255 // A module initializer in a test assembly: the process is the test run's own.
    [ModuleInitializer]
    internal static void TurnOff()
#pragma warning restore CA2255
    {
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
    }
}

public class HostConfigReloadTests
{
    [Fact]
    public void Hosts_built_by_the_tests_do_not_watch_their_configuration_files()
    {
        using var host = Host.CreateApplicationBuilder().Build();
        var root = (IConfigurationRoot)host.Services.GetService(typeof(IConfiguration))!;

        var json = root.Providers.OfType<JsonConfigurationProvider>().ToList();
        Assert.NotEmpty(json);
        Assert.All(json, provider => Assert.False(provider.Source.ReloadOnChange, provider.Source.Path));
    }
}
