using Dreaming;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Schedules dreams on an <see cref="IDreamingBuilder"/>.</summary>
/// <remarks>Registration happens at startup, on one thread; the <see cref="DreamScheduler"/> it adds is thread-safe.</remarks>
public static class DreamScheduleDreamingBuilderExtensions
{
    /// <summary>Dreams for an agent on a cron schedule and/or after a number of new sessions, from a hosted service.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="agentId">The agent (memory scope <c>agent:ID</c>).</param>
    /// <param name="cron">A five-field cron expression such as <c>0 3 * * *</c>, or <see langword="null"/>.</param>
    /// <param name="timeZone">The time zone of the cron expression; UTC by default.</param>
    /// <param name="afterNewSessions">Dream once this many new finished sessions have arrived, or <see langword="null"/>.</param>
    /// <param name="request">The request each dream runs with (limits, review mode, and the per-dream token budget,
    /// <see cref="DreamRunRequest.TokenBudget"/>), or <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentException">Neither trigger is given, or the cron expression is malformed (checked here, at registration).</exception>
    /// <remarks>For a team's or the global memory, use the overload that takes a <see cref="MemoryScope"/>.</remarks>
    public static IDreamingBuilder AddDreamSchedule(this IDreamingBuilder builder, string agentId, string? cron, TimeZoneInfo? timeZone = null, int? afterNewSessions = null, DreamRunRequest? request = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        return builder.AddDreamSchedule(MemoryScope.Agent(agentId), cron, timeZone, afterNewSessions, request);
    }

    /// <summary>Dreams for a memory scope (an agent's, a team's or the global memory) on a cron schedule and/or after a
    /// number of new sessions of that scope, from a hosted service.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="scope">The scope: <see cref="MemoryScope.Agent"/> (the agent's sessions), <see cref="MemoryScope.Team"/>
    /// (the sessions started with <see cref="AgentSessionOptions.Scope"/> equal to the team id) or
    /// <see cref="MemoryScope.Global"/> (every session). The count of new sessions counts the same sessions the dream reads.</param>
    /// <param name="cron">A five-field cron expression such as <c>0 3 * * *</c>, or <see langword="null"/>.</param>
    /// <param name="timeZone">The time zone of the cron expression; UTC by default.</param>
    /// <param name="afterNewSessions">Dream once this many new finished sessions of the scope have arrived, or <see langword="null"/>.</param>
    /// <param name="request">The request each dream runs with (limits, review mode, and the per-dream token budget,
    /// <see cref="DreamRunRequest.TokenBudget"/>; its <see cref="DreamRunRequest.Scope"/> is replaced by
    /// <paramref name="scope"/>), or <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="scope"/> is null.</exception>
    /// <exception cref="ArgumentException">Neither trigger is given, or the cron expression is malformed (checked here, at registration).</exception>
    public static IDreamingBuilder AddDreamSchedule(this IDreamingBuilder builder, MemoryScope scope, string? cron, TimeZoneInfo? timeZone = null, int? afterNewSessions = null, DreamRunRequest? request = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(scope);
        var schedule = new DreamSchedule
        {
            Scope = scope,
            Cron = cron,
            TimeZone = timeZone ?? TimeZoneInfo.Utc,
            AfterNewSessions = afterNewSessions,
            Request = request,
        };
        schedule.Validate();
        builder.Services.AddSingleton(schedule);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DreamScheduler>());
        return builder;
    }
}
