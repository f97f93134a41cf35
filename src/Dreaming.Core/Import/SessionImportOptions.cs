namespace Dreaming;

/// <summary>How <see cref="SessionImporter"/> and <see cref="SessionLogReader"/> map a log's session objects to sessions.</summary>
/// <remarks>
/// Field names may be dotted paths into nested objects, such as <c>info.task.instruction</c>; a property whose own name
/// contains the dots is matched first. A field whose value is JSON <c>null</c> counts as absent.
/// </remarks>
public sealed class SessionImportOptions
{
    /// <summary>Gets or sets the field that holds the session id; without it a deterministic id is derived from the source name and element index.</summary>
    /// <value>The default is <c>id</c>.</value>
    public string IdField { get; set; } = "id";

    /// <summary>Gets or sets the field that holds the agent id.</summary>
    /// <value>The default is <c>agent</c>.</value>
    public string AgentField { get; set; } = "agent";

    /// <summary>Gets or sets the field that holds the task; without it the first user message is used.</summary>
    /// <value>The default is <c>task</c>.</value>
    public string TaskField { get; set; } = "task";

    /// <summary>Gets or sets the field that holds the chat messages (OpenAI-style, Microsoft.Extensions.AI <c>ChatMessage</c> JSON or
    /// Anthropic Messages, whose <c>system</c> is read beside this field); required in every session object.</summary>
    /// <value>The default is <c>messages</c>.</value>
    public string MessagesField { get; set; } = "messages";

    /// <summary>Gets or sets the field that holds a numeric reward, mapped to the outcome's score and label.</summary>
    /// <value>The default is <c>reward</c>.</value>
    public string RewardField { get; set; } = "reward";

    /// <summary>Gets or sets the field that holds a boolean success flag, used when there is no reward.</summary>
    /// <value>The default is <c>success</c>.</value>
    public string SuccessField { get; set; } = "success";

    /// <summary>Gets or sets the field that holds the start time (ISO 8601 text or Unix seconds); without it the import time is used.</summary>
    /// <value>The default is <c>started_at</c>.</value>
    public string StartedAtField { get; set; } = "started_at";

    /// <summary>Gets or sets the field that holds the end time (ISO 8601 text or Unix seconds); without it the start time is used.</summary>
    /// <value>The default is <c>ended_at</c>.</value>
    public string EndedAtField { get; set; } = "ended_at";

    /// <summary>Gets or sets the field that holds a saved Anthropic Messages API response (an object of
    /// <c>"type": "message"</c> with a <c>stop_reason</c>), a saved OpenAI Chat Completions response (with <c>choices</c>) or
    /// Responses API response (<c>"object": "response"</c>, with <c>output</c>), imported as the session's last assistant
    /// turn, after its messages, with its usage; any other value there is left alone.</summary>
    /// <value>The default is <c>response</c>.</value>
    public string ResponseField { get; set; } = "response";

    /// <summary>Gets or sets the agent id of sessions that have no agent field.</summary>
    /// <value>The default is <c>imported</c>.</value>
    public string DefaultAgentId { get; set; } = "imported";

    /// <summary>Gets or sets an agent id that replaces the agent field of every session.</summary>
    /// <value>The default is <see langword="null"/>: the agent field, then <see cref="DefaultAgentId"/>.</value>
    public string? AgentId { get; set; }

    /// <summary>Gets or sets the team or tenant scope given to every imported session, as
    /// <see cref="AgentSessionOptions.Scope"/> is to a session started live, so the team's dream
    /// (<see cref="MemoryScope.Team"/>) reads the imported sessions; like <see cref="AgentId"/>, refused if it holds half a
    /// surrogate pair.</summary>
    /// <value>The default is <see langword="null"/>: the imported sessions have no team scope and no team dream reads them. A blank
    /// value means the same.</value>
    public string? Scope { get; set; }

    /// <summary>Gets or sets the text a tool result starts with (ordinal, case-sensitive) when the tool failed, for logs that have no error flag.</summary>
    /// <value>The default is <c>Error</c>; <see langword="null"/> turns prefix detection off.</value>
    public string? ErrorPrefix { get; set; } = "Error";

    /// <summary>Gets or sets the reward from which a session counts as a success.</summary>
    /// <value>The default is 1.0.</value>
    public double SuccessThreshold { get; set; } = 1.0;

    /// <summary>Gets or sets what happens to malformed elements.</summary>
    /// <value>The default is <see cref="ImportErrorHandling.Atomic"/>.</value>
    public ImportErrorHandling ErrorHandling { get; set; } = ImportErrorHandling.Atomic;

    /// <summary>Throws when an option is invalid.</summary>
    /// <exception cref="ArgumentException">An option is invalid; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public void Validate()
    {
        ValidateField(IdField, nameof(IdField));
        ValidateField(AgentField, nameof(AgentField));
        ValidateField(TaskField, nameof(TaskField));
        ValidateField(MessagesField, nameof(MessagesField));
        ValidateField(RewardField, nameof(RewardField));
        ValidateField(SuccessField, nameof(SuccessField));
        ValidateField(StartedAtField, nameof(StartedAtField));
        ValidateField(EndedAtField, nameof(EndedAtField));
        ValidateField(ResponseField, nameof(ResponseField));
        if (string.IsNullOrWhiteSpace(DefaultAgentId))
        {
            throw new ArgumentException("SessionImportOptions.DefaultAgentId must not be blank.", nameof(DefaultAgentId));
        }

        if (AgentId is not null && string.IsNullOrWhiteSpace(AgentId))
        {
            throw new ArgumentException("SessionImportOptions.AgentId must be null or not blank.", nameof(AgentId));
        }

        AgentIds.ThrowIfInvalid(DefaultAgentId, "SessionImportOptions.DefaultAgentId", nameof(DefaultAgentId));
        AgentIds.ThrowIfInvalid(AgentId, "SessionImportOptions.AgentId", nameof(AgentId));
        AgentIds.ThrowIfInvalid(Scope, "SessionImportOptions.Scope", nameof(Scope));

        if (ErrorPrefix is { Length: 0 })
        {
            // An empty prefix would flag every tool result as an error; null is the way to turn detection off.
            throw new ArgumentException("SessionImportOptions.ErrorPrefix must be null or not empty.", nameof(ErrorPrefix));
        }

        if (!double.IsFinite(SuccessThreshold))
        {
            throw new ArgumentException("SessionImportOptions.SuccessThreshold must be a finite number.", nameof(SuccessThreshold));
        }

        if (!Enum.IsDefined(ErrorHandling))
        {
            throw new ArgumentException($"SessionImportOptions.ErrorHandling value {(int)ErrorHandling} is not defined.", nameof(ErrorHandling));
        }
    }

    private static void ValidateField(string? field, string optionName)
    {
        if (string.IsNullOrWhiteSpace(field) || field.Split('.').Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"SessionImportOptions.{optionName} must be a field name or a dotted path without empty segments, not '{field}'.", optionName);
        }
    }
}
