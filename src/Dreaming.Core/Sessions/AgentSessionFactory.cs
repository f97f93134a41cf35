using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dreaming;

/// <summary>The default <see cref="IAgentSessionFactory"/>: starts sessions recorded through the background trace writer.</summary>
/// <remarks>Thread-safe. Starting a session performs no I/O: its creation is queued and written with its first batch.</remarks>
internal sealed class AgentSessionFactory : IAgentSessionFactory
{
    private readonly TraceWriter _writer;
    private readonly ITraceStore _store;
    private readonly TraceContentFilter _filter;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IWebhookPublisher? _webhooks;

    public AgentSessionFactory(TraceWriter writer, ITraceStore store, TraceContentFilter filter, TimeProvider? timeProvider = null, ILogger<AgentSessionFactory>? logger = null, IWebhookPublisher? webhooks = null)
    {
        // Only when the store does not write session webhooks in its own transaction, and some endpoint is configured.
        _webhooks = webhooks is { IsEnabled: true } && store is not ISessionWebhookWriter { WritesSessionWebhooks: true } ? webhooks : null;
        _writer = writer;
        _store = store;
        _filter = filter;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public IAgentSession StartSession(AgentSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Require(options.AgentId, "AgentSessionOptions.AgentId");
        Require(options.Task, "AgentSessionOptions.Task");
        // Checked once here, not on each call of the session: ids a UTF-8 store would merge with another's, with a
        // control character, or longer than SessionRecord.MaxIdLength.
        AgentIds.ThrowIfInvalid(options.AgentId, "AgentSessionOptions.AgentId", "AgentSessionOptions.AgentId");
        AgentIds.ThrowIfInvalid(options.Scope, "AgentSessionOptions.Scope", "AgentSessionOptions.Scope");
        if (options.SessionId is not null)
        {
            Require(options.SessionId, "AgentSessionOptions.SessionId");
            AgentIds.ThrowIfInvalid(options.SessionId, "AgentSessionOptions.SessionId", "AgentSessionOptions.SessionId");
        }

        if (options.ParentSessionId is not null)
        {
            Require(options.ParentSessionId, "AgentSessionOptions.ParentSessionId");
            AgentIds.ThrowIfInvalid(options.ParentSessionId, "AgentSessionOptions.ParentSessionId", "AgentSessionOptions.ParentSessionId");
        }

        var record = new SessionRecord
        {
            Id = options.SessionId ?? NewSessionId(),
            AgentId = options.AgentId,
            AgentVersion = options.AgentVersion,
            Scope = options.Scope,
            Task = _filter.Apply(options.Task),
            ParentSessionId = options.ParentSessionId,
            StartedAt = _timeProvider.GetUtcNow(),
            MemoryVersionId = options.MemoryVersionId,
            InsightIds = [.. options.InsightIds],
            Metadata = options.Metadata.ToDictionary(p => p.Key, p => _filter.Apply(p.Value), StringComparer.Ordinal),
        };

        // Queued before the span starts: a session that cannot be recorded (the writer has stopped) throws here and
        // leaves no span running, and none current in the caller's flow.
        var creation = new SessionCreation();
        _writer.EnqueueSession(record, creation);
        var previousActivity = Activity.Current;
        if (previousActivity is { IsStopped: true } && previousActivity.Source == DreamingTelemetry.ActivitySource)
        {
            // The span of a session completed but not yet disposed is still current in its flow (the completion ran in
            // an async method, whose change to Activity.Current the caller does not see): a session started now is not
            // part of it, so it nests under the first span that is still running.
            previousActivity = AgentSession.RunningSpan(previousActivity);
            Activity.Current = previousActivity;
        }

        var activity = StartActivity(record, string.IsNullOrWhiteSpace(options.ProviderName) ? null : options.ProviderName);
        DreamingTelemetry.SessionsStarted.Add(1, new KeyValuePair<string, object?>(DreamingTelemetry.Attributes.AgentId, record.AgentId));
        return new AgentSession(record, _writer, _store, _timeProvider, _logger, activity, previousActivity) { Webhooks = _webhooks, ContentFilter = _filter, Creation = creation, OpenToken = _writer.SessionOpened(record.Id) };
    }

    private static Activity? StartActivity(SessionRecord record, string? providerName)
    {
        if (!DreamingTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        // gen_ai.operation.name, gen_ai.agent.name and (when the host gave it) gen_ai.provider.name are given at creation,
        // for samplers. Otherwise the provider is set by the session's first chat call through UseDreaming().
        KeyValuePair<string, object?>[] tags = providerName is null
            ?
            [
                new(DreamingTelemetry.Attributes.OperationName, "invoke_agent"),
                new(DreamingTelemetry.Attributes.AgentName, record.AgentId),
            ]
            :
            [
                new(DreamingTelemetry.Attributes.OperationName, "invoke_agent"),
                new(DreamingTelemetry.Attributes.AgentName, record.AgentId),
                new(DreamingTelemetry.Attributes.ProviderName, providerName),
            ];
        var activity = DreamingTelemetry.ActivitySource.StartActivity(ActivityKind.Internal, tags: tags, name: "invoke_agent " + record.AgentId);
        if (activity is not null)
        {
            activity.SetTag(DreamingTelemetry.Attributes.AgentId, record.AgentId);
            activity.SetTag(DreamingTelemetry.Attributes.ConversationId, record.Id);
            activity.SetTag(DreamingTelemetry.Attributes.AgentVersion, record.AgentVersion);
            activity.SetTag(DreamingTelemetry.Attributes.ParentSessionId, record.ParentSessionId);
        }

        return activity;
    }

    private static string NewSessionId() => "ses_" + Guid.CreateVersion7().ToString("N");

    private static void Require(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{name} must not be null, empty or white space.", name);
        }
    }
}
