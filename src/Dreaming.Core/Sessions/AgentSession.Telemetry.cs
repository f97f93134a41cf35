using System.Diagnostics;

namespace Dreaming;

/// <summary>The session's <c>invoke_agent</c> span: what the model client tells it, and how it ends.</summary>
internal sealed partial class AgentSession
{
    // 1 once a chat call has told the span about its model client (see NoteModelClient).
    private int _modelClientNoted;

    /// <summary>Tags the session's span with the model client of its first chat call through <c>UseDreaming()</c>:
    /// <c>gen_ai.provider.name</c> (unless the session was started with one), <c>gen_ai.request.model</c>,
    /// <c>server.address</c> and <c>server.port</c>, each only when known. Later calls change nothing.</summary>
    /// <param name="client">What the calling client's <c>ChatClientMetadata</c> says, resolved once per client.</param>
    /// <param name="requestModel">The model the call asks for (<c>ChatOptions.ModelId</c>), or <see langword="null"/>
    /// for the client's default.</param>
    /// <remarks>On the chat hot path: with no span, or once noted, it costs a field read and a volatile read, and it
    /// never allocates or locks; the first call of a span sets the tags once.</remarks>
    internal void NoteModelClient(ChatClientTelemetry client, string? requestModel)
    {
        var activity = _activity;
        if (activity is null || Volatile.Read(ref _modelClientNoted) != 0 || Interlocked.Exchange(ref _modelClientNoted, 1) != 0)
        {
            return;
        }

        if (activity.IsStopped || !activity.IsAllDataRequested)
        {
            return;
        }

        if (client.ProviderName is { } provider && activity.GetTagItem(DreamingTelemetry.Attributes.ProviderName) is null)
        {
            activity.SetTag(DreamingTelemetry.Attributes.ProviderName, provider);
        }

        if ((requestModel ?? client.DefaultModelId) is { } model)
        {
            activity.SetTag(DreamingTelemetry.Attributes.RequestModel, model);
        }

        if (client.ServerAddress is { } address)
        {
            activity.SetTag(DreamingTelemetry.Attributes.ServerAddress, address);
            activity.SetTag(DreamingTelemetry.Attributes.ServerPort, client.ServerPort);
        }
    }

    private void EndTelemetry(SessionStatus status)
    {
        var statusText = SessionStatusNames.Of(status);
        DreamingTelemetry.SessionsEnded.Add(
            1,
            new KeyValuePair<string, object?>(DreamingTelemetry.Attributes.AgentId, AgentId),
            new KeyValuePair<string, object?>(DreamingTelemetry.Attributes.SessionStatus, statusText));
        if (_activity is null || _activity.IsStopped)
        {
            return;
        }

        var usage = Usage;
        _activity.SetTag(DreamingTelemetry.Attributes.InputTokens, usage.InputTokens);
        _activity.SetTag(DreamingTelemetry.Attributes.OutputTokens, usage.OutputTokens);
        _activity.SetTag(DreamingTelemetry.Attributes.CachedInputTokens, usage.CachedInputTokens);
        _activity.SetTag(DreamingTelemetry.Attributes.SessionStatus, statusText);
        _activity.SetTag(DreamingTelemetry.Attributes.DroppedEvents, DroppedEventCount);
        if (status != SessionStatus.Completed)
        {
            _activity.SetTag(DreamingTelemetry.Attributes.ErrorType, statusText);
            _activity.SetStatus(ActivityStatusCode.Error, $"session {statusText}");
        }

        _activity.Stop();
    }

    private void FailTelemetry(Exception exception)
    {
        if (_activity is null || _activity.IsStopped)
        {
            return;
        }

        _activity.SetTag(DreamingTelemetry.Attributes.ErrorType, exception.GetType().FullName);
        _activity.SetStatus(ActivityStatusCode.Error, "the session could not be recorded as abandoned");
        _activity.Stop();
    }
}
