using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Dreaming.AgentView.Tests.AgentData;

namespace Dreaming.AgentView.Tests;

/// <summary>An agent whose sessions name many team (tenant) scopes: the memory store's version lists the page costs.</summary>
public sealed class AgentPageTeamScopeTests
{
    [Fact]
    public async Task A_team_scope_is_not_listed_when_the_agents_or_the_global_memory_already_tells_its_events_are_read()
    {
        var clock = new FakeTimeProvider(Early);
        var lists = new CountedLists();
        await using var host = await StartAsync(clock, s => s.AddSingleton<IMemoryStore>(sp => CountingMemoryStore.Create(ActivatorUtilities.CreateInstance<InMemoryMemoryStore>(sp), lists)));
        var global = await host.VersionAsync(clock, MemoryScope.Global, Nov(1, 0));
        clock.SetUtcNow(Now);
        await host.Traces.ImportAsync([.. Enumerable.Range(0, 50).Select(i => Session("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "tenanted", Nov(20, 0).AddMinutes(i), outcome: SessionOutcome.Succeeded(0.5), team: "tenant-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), injected: i % 2 == 0 ? [global] : []))]);

        var page = await host.PageAsync("/dreaming/agents/tenanted");

        Assert.Equal([["No memory", "25"], ["global v1", "25"]], page.Rows("table.versions").Select(r => r[..2]));
        Assert.Equal(["agent:tenanted", "global"], lists.Scopes.Order(StringComparer.Ordinal));
    }

    /// <summary>The scopes whose versions were listed, one entry a call.</summary>
    internal sealed class CountedLists
    {
        public List<string> Scopes { get; } = [];
    }

    /// <summary>An <see cref="IMemoryStore"/> that notes each <c>ListVersionsAsync</c> scope and forwards every call.</summary>
    public class CountingMemoryStore : DispatchProxy
    {
        private IMemoryStore _inner = null!;
        private CountedLists _lists = null!;

        internal static IMemoryStore Create(IMemoryStore inner, CountedLists lists)
        {
            var proxy = Create<IMemoryStore, CountingMemoryStore>();
            var counting = (CountingMemoryStore)(object)proxy;
            counting._inner = inner;
            counting._lists = lists;
            return proxy;
        }

        /// <inheritdoc />
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IMemoryStore.ListVersionsAsync))
            {
                lock (_lists)
                {
                    _lists.Scopes.Add(((MemoryScope)args![0]!).Key);
                }
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }
    }
}
