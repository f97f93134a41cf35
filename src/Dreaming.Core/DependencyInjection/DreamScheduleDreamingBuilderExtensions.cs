using Dreaming;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Schedules dreams on an <see cref="IDreamingBuilder"/>.</summary>
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
    public static IDreamingBuilder AddDreamSchedule(this IDreamingBuilder builder, string agentId, string? cron, TimeZoneInfo? timeZone = null, int? afterNewSessions = null, DreamRunRequest? request = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        var schedule = new DreamSchedule
        {
            Scope = MemoryScope.Agent(agentId),
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
