using Dreaming;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
    /// <remarks>For a team's or the global memory, use the overload that takes a <see cref="MemoryScope"/>; for the app's
    /// own agent (<see cref="DreamingOptions.AgentId"/>), <see cref="AddDreamSchedule(IDreamingBuilder, string, TimeZoneInfo)"/>.</remarks>
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
        AddScheduler(builder.Services);
        return builder;
    }

    /// <summary>Dreams for the app's own agent, <see cref="DreamingOptions.AgentId"/>, on a cron schedule, from a hosted
    /// service: <c>AddDreamingAgents(o =&gt; o.AgentId = "support-bot").AddDreamSchedule("0 3 * * *", TimeZoneInfo.Utc)</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="cron">A five-field cron expression such as <c>0 3 * * *</c>.</param>
    /// <param name="timeZone">The time zone of the cron expression, such as <see cref="TimeZoneInfo.Utc"/>.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="cron"/> or <paramref name="timeZone"/> is null.</exception>
    /// <exception cref="ArgumentException">The cron expression is malformed or never occurs (checked here, at registration).</exception>
    /// <remarks>
    /// <para>The agent is the <see cref="DreamingOptions.AgentId"/> in effect when the <see cref="DreamScheduler"/> starts
    /// (with the host), so the options may be set before or after this call. Left at its default, it is <c>default</c>, the
    /// agent <c>UseDreaming()</c> records calls under when the pipeline and the session name none, so the schedule dreams on
    /// those sessions. To dream for another agent, name it with
    /// <see cref="AddDreamSchedule(IDreamingBuilder, string, string?, TimeZoneInfo?, int?, DreamRunRequest?)"/>.</para>
    /// <para>For a count trigger (<c>afterNewSessions</c>), name the agent with that overload.</para>
    /// </remarks>
    public static IDreamingBuilder AddDreamSchedule(this IDreamingBuilder builder, string cron, TimeZoneInfo timeZone) =>
        AddOwnAgentSchedule(builder, cron, timeZone, request: null);

    /// <summary>Dreams for the app's own agent, <see cref="DreamingOptions.AgentId"/>, on a cron schedule, each dream with
    /// the given request, from a hosted service.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="cron">A five-field cron expression such as <c>0 3 * * *</c>.</param>
    /// <param name="timeZone">The time zone of the cron expression, such as <see cref="TimeZoneInfo.Utc"/>.</param>
    /// <param name="request">The request each dream runs with (limits, review mode, and the per-dream token budget,
    /// <see cref="DreamRunRequest.TokenBudget"/>; its <see cref="DreamRunRequest.Scope"/> is replaced by the agent's).</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="cron"/>, <paramref name="timeZone"/>
    /// or <paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">The cron expression is malformed or never occurs, or the request is invalid
    /// (checked here, at registration).</exception>
    /// <remarks>The agent is resolved when the scheduler starts, as by <see cref="AddDreamSchedule(IDreamingBuilder, string, TimeZoneInfo)"/>.</remarks>
    public static IDreamingBuilder AddDreamSchedule(this IDreamingBuilder builder, string cron, TimeZoneInfo timeZone, DreamRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return AddOwnAgentSchedule(builder, cron, timeZone, request);
    }

    private static IDreamingBuilder AddOwnAgentSchedule(IDreamingBuilder builder, string cron, TimeZoneInfo timeZone, DreamRunRequest? request)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cron);
        ArgumentNullException.ThrowIfNull(timeZone);

        // Checked now with a stand-in agent, so a malformed cron expression or request fails at registration as with the
        // other overloads; the agent itself is only known once the options are.
        var template = new DreamSchedule { Scope = MemoryScope.Agent("default"), Cron = cron, TimeZone = timeZone, Request = request };
        template.Validate();
        builder.Services.AddSingleton(sp => template with { Scope = MemoryScope.Agent(sp.GetRequiredService<IOptions<DreamingOptions>>().Value.AgentId) });
        AddScheduler(builder.Services);
        return builder;
    }

    // The scheduler is registered under its own type too, so that DreamingHealthCheck finds it without resolving every
    // hosted service (which would create the app's own before the host starts them, and loop forever on one that takes
    // the health check); the host starts the same instance.
    // Its PollInterval comes from DreamSchedulerOptions, validated when the host starts (ValidateOnStart), so it can be set
    // with Configure or bound from configuration like the library's other options.
    private static void AddScheduler(IServiceCollection services)
    {
        services.AddOptions<DreamSchedulerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DreamSchedulerOptions>, DreamSchedulerOptionsValidator>());
        services.TryAddSingleton(static sp => new DreamScheduler(
            sp.GetServices<DreamSchedule>(),
            sp.GetRequiredService<IDreamConsolidator>(),
            sp.GetRequiredService<IDreamRunStore>(),
            sp.GetRequiredService<ITraceStore>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<DreamScheduler>>())
        {
            PollInterval = sp.GetRequiredService<IOptions<DreamSchedulerOptions>>().Value.PollInterval,
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DreamScheduler>(static sp => sp.GetRequiredService<DreamScheduler>()));
    }
}
