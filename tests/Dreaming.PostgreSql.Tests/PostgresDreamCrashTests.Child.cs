using System.Diagnostics;
using Dreaming.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The child process, the restarted hosts and the seed of <see cref="PostgresDreamCrashTests"/>.</summary>
public sealed partial class PostgresDreamCrashTests
{
    private string ConnectionString => PostgresTestServer.ConnectionString!;

    // Runs the child until it prints a line starting with `marker`, kills it, and returns the id of the run it started.
    private async Task<string> RunChildUntilAsync(string point, string marker)
    {
        await using var child = DreamChildProcess.Start(ConnectionString, Schema, point);
        await child.WaitForLineAsync(marker);
        await child.KillAsync();
        return child.RunId ?? throw new InvalidOperationException("the dream child printed no run id before: " + marker);
    }

    // A host on the child's schema and webhook endpoint, on a clock that starts now: another instance of the application.
    private ServiceProvider Restart(out FakeTimeProvider clock, TimeSpan? commandTimeout = null)
    {
        clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents().UsePostgresStore(ConnectionString, o =>
        {
            o.Schema = Schema;
            o.CommandTimeout = commandTimeout ?? o.CommandTimeout;
        }).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            var endpoint = new WebhookEndpoint { Id = "ci", Url = "http://127.0.0.1:9/hooks" };
            endpoint.Secrets.Add(WebhookSecret.Generate());
            options.Endpoints.Add(endpoint);
        });
        return services.BuildServiceProvider();
    }

    private async Task<long> EventsAsync(string type, string runId) =>
        (long)(await ScalarAsync($"SELECT count(*) FROM webhook_events WHERE type = '{type}' AND body LIKE '%\"dream_run_id\":\"{runId}\"%'"))!;

    // The shared seed: 14 finished sessions of crash-agent, 8 of them failing the same way (DreamCrashSessions).
    private async Task<List<string>> SeedAsync()
    {
        await using var traces = new PostgresTraceStore(Options);
        var sessions = DreamCrashSessions.Build(s_scope.Id);
        await traces.ImportAsync(sessions);
        return [.. sessions.Select(s => s.Session.Id).Order(StringComparer.Ordinal)];
    }

    /// <summary>The dream child (<c>Dreaming.CrashTestHost CONNECTION postgres SCHEMA dream POINT [COMMAND_TIMEOUT_S]</c>),
    /// its output read as it comes.</summary>
    private sealed class DreamChildProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly Lock _gate = new();
        private readonly Task _reading;

        private DreamChildProcess(Process process)
        {
            _process = process;
            _reading = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    lock (_gate)
                    {
                        _lines.Add(line);
                    }
                }
            });
        }

        /// <summary>Gets the id of the run the child started, once it printed it.</summary>
        public string? RunId
        {
            get
            {
                lock (_gate)
                {
                    return _lines.FirstOrDefault(l => l.StartsWith("started ", StringComparison.Ordinal))?["started ".Length..];
                }
            }
        }

        public static DreamChildProcess Start(string connectionString, string schema, string point, int? commandTimeoutSeconds = null)
        {
            var host = Path.Combine(AppContext.BaseDirectory, "Dreaming.CrashTestHost.dll");
            Assert.True(File.Exists(host), $"the crash test host was not built next to the tests: {host}");
            string[] args = ["exec", host, connectionString, "postgres", schema, "dream", point, .. commandTimeoutSeconds is { } seconds ? [seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)] : Array.Empty<string>()];
            return new DreamChildProcess(Process.Start(new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true })!);
        }

        /// <summary>Waits for a line starting with <paramref name="marker"/>; fails when the dream returned or the child exited first.</summary>
        public Task WaitForLineAsync(string marker) => WaitAsync(() =>
        {
            lock (_gate)
            {
                return _lines.Any(l => l.StartsWith(marker, StringComparison.Ordinal))
                    || (_lines.Contains("returned") ? throw new InvalidOperationException($"the dream ended before '{marker}'") : false);
            }
        });

        /// <summary>Waits, up to a minute, until <paramref name="condition"/> holds; fails when the child exited first.</summary>
        public async Task WaitAsync(Func<bool> condition) => await WaitAsync(() => Task.FromResult(condition()));

        /// <summary>Waits, up to a minute, until <paramref name="condition"/> holds; fails when the child exited first.</summary>
        public async Task WaitAsync(Func<Task<bool>> condition)
        {
            var until = DateTime.UtcNow.AddMinutes(1);
            while (!await condition())
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException("the dream child exited early: " + await _process.StandardError.ReadToEndAsync());
                }

                Assert.True(DateTime.UtcNow < until, "the dream child did not get there within a minute: " + string.Join(" | ", Lines()));
                await Task.Delay(50);
            }
        }

        /// <summary>Stops the child (SIGSTOP) without ending it: its sockets stay open, as those of a frozen or cut-off host.</summary>
        public async Task FreezeAsync()
        {
            using var kill = Process.Start("kill", ["-STOP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }

        public async Task KillAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            await _reading;
        }

        public async ValueTask DisposeAsync()
        {
            await KillAsync();
            _process.Dispose();
        }

        private string[] Lines()
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }
}
