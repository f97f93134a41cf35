using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>Maps the session objects of one source to sessions; holds a snapshot of the options and the ids seen so far.</summary>
internal sealed class SessionElementMapper
{
    private const int MaxFallbackTaskLength = 500;
    private const string OutcomeSource = "import";

    // Below this a number is taken as Unix seconds, above as milliseconds: 1e11 seconds is beyond the year 5000.
    private const double UnixMillisecondsThreshold = 1e11;

    private readonly string _sourceName;
    private readonly DateTimeOffset _importedAt;
    private readonly Func<string, string> _contentFilter;
    private readonly JsonFieldPath _id;
    private readonly JsonFieldPath _agent;
    private readonly JsonFieldPath _task;
    private readonly JsonFieldPath _messages;
    private readonly JsonFieldPath _reward;
    private readonly JsonFieldPath _success;
    private readonly JsonFieldPath _startedAt;
    private readonly JsonFieldPath _endedAt;
    private readonly JsonFieldPath _response;
    private readonly string _defaultAgentId;
    private readonly string? _agentIdOverride;
    private readonly string? _scope;
    private readonly string? _errorPrefix;
    private readonly double _successThreshold;
    private readonly Dictionary<string, int> _indexById = new(StringComparer.Ordinal);
    private readonly Func<ModelCallUsage, long>? _costOf;
    private readonly ILogger? _logger;

    // The kinds of pricing failure this import has logged: each once, as UseDreaming() logs a live one.
    private HashSet<Type>? _loggedPricingFailures;

    public SessionElementMapper(SessionImportOptions options, string sourceName, DateTimeOffset importedAt, Func<string, string> contentFilter, Func<ModelCallUsage, long>? costOf = null, ILogger? logger = null)
    {
        _costOf = costOf;
        _logger = logger;
        _sourceName = sourceName;
        _importedAt = importedAt;
        _contentFilter = contentFilter;
        _id = new(options.IdField);
        _agent = new(options.AgentField);
        _task = new(options.TaskField);
        _messages = new(options.MessagesField);
        _reward = new(options.RewardField);
        _success = new(options.SuccessField);
        _startedAt = new(options.StartedAtField);
        _endedAt = new(options.EndedAtField);
        _response = new(options.ResponseField);
        _defaultAgentId = options.DefaultAgentId;
        _agentIdOverride = options.AgentId;
        _scope = string.IsNullOrWhiteSpace(options.Scope) ? null : options.Scope;
        _errorPrefix = options.ErrorPrefix;
        _successThreshold = options.SuccessThreshold;
    }

    /// <summary>Derives the id of a session that has none, so that importing the same source again yields the same ids.</summary>
    public static string DeterministicId(string sourceName, int index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sourceName + "\n" + index.ToString(CultureInfo.InvariantCulture)));
        return "import-" + Convert.ToHexStringLower(hash, 0, 16);
    }

    /// <summary>Maps one element.</summary>
    /// <exception cref="SessionImportException">The element does not describe a session.</exception>
    public ImportedSession Map(JsonElement element, int index, long? lineNumber)
    {
        var context = new ElementContext(_sourceName, index, lineNumber);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw context.Malformed($"is {JsonElementHelpers.Describe(element.ValueKind)}, not a session object");
        }

        if (!_messages.TryGet(element, out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw context.Malformed($"has no \"{_messages.Name}\" array");
        }

        var loggedId = ReadScalar(element, _id, context) is { } explicitId && !string.IsNullOrWhiteSpace(explicitId) ? explicitId : null;
        var id = loggedId is not null ? LoggedId(loggedId, _id, context) : DeterministicId(_sourceName, index);
        if (!_indexById.TryAdd(id, index))
        {
            throw context.Malformed(string.Create(CultureInfo.InvariantCulture, $"repeats the id '{id}' of element {_indexById[id]}"));
        }

        var startedAt = ReadTime(element, _startedAt, context) ?? _importedAt;
        var endedAt = ReadTime(element, _endedAt, context) ?? startedAt;
        if (endedAt < startedAt)
        {
            throw context.Malformed($"ends (\"{_endedAt.Name}\") before it starts (\"{_startedAt.Name}\")");
        }

        // Before the messages: the saved responses' usage is priced under the session's agent.
        var agentId = _agentIdOverride ?? (NonBlank(ReadScalar(element, _agent, context)) is { } logged ? LoggedId(logged, _agent, context) : _defaultAgentId);
        var conversation = new ConversationMapper(id, startedAt, _errorPrefix, _contentFilter, context)
        {
            AgentId = agentId,
            CostOf = _costOf,
            PricingFailed = _logger is null ? null : (call, failure) => LogPricingFailed(call, id, failure),
        };
        // An Anthropic Messages request keeps its system prompt beside its messages, and a log may keep the response beside it.
        // A Responses API request keeps its instructions beside its input.
        _messages.TryGetSibling(element, "system", out var system);
        _messages.TryGetSibling(element, "instructions", out var instructions);
        _response.TryGet(element, out var response);
        conversation.Map(messages, system, instructions, response);

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["import.source"] = _contentFilter(_sourceName),
            ["import.index"] = index.ToString(CultureInfo.InvariantCulture),
        };
        if (lineNumber is { } line)
        {
            metadata["import.line"] = line.ToString(CultureInfo.InvariantCulture);
        }

        var record = new SessionRecord
        {
            Id = id,
            AgentId = agentId,
            Scope = _scope,
            Task = ReadTask(element, context, conversation.FirstUserText, index),
            Status = SessionStatus.Completed,
            StartedAt = startedAt,
            EndedAt = endedAt,
            Metadata = metadata,
            Outcome = ReadOutcome(element, context),
            EventCount = conversation.Events.Count,
            Usage = conversation.Usage,
            InsightIds = conversation.InsightIds,
        };
        return new ImportedSession
        {
            Index = index,
            LineNumber = lineNumber,
            Session = new SessionWithEvents(record, conversation.Events),
            UnknownBlocks = conversation.UnknownBlocks,
            UncappedId = ReferenceEquals(id, loggedId) ? null : loggedId,
        };
    }

    private void LogPricingFailed(in ModelCallUsage call, string sessionId, Exception failure)
    {
        if ((_loggedPricingFailures ??= []).Add(failure.GetType()))
        {
            SessionImporter.LogPricingFailed(_logger!, call.ModelId, call.AgentId, sessionId, _sourceName, failure);
        }
    }

    private string ReadTask(JsonElement element, ElementContext context, string? firstUserText, int index)
    {
        if (NonBlank(ReadScalar(element, _task, context)) is { } task)
        {
            return _contentFilter(task);
        }

        // The user's opening message is the best stand-in; it is already filtered, so a secret is redacted before truncation could cut it.
        if (firstUserText is not null)
        {
            return Truncate(firstUserText.Trim(), MaxFallbackTaskLength);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{_contentFilter(_sourceName)} element {index}");
    }

    private SessionOutcome? ReadOutcome(JsonElement element, ElementContext context)
    {
        if (_reward.TryGet(element, out var reward))
        {
            if (reward.ValueKind != JsonValueKind.Number || !reward.TryGetDouble(out var score) || !double.IsFinite(score))
            {
                throw context.Malformed($"has \"{_reward.Name}\" that is {JsonElementHelpers.Describe(reward.ValueKind)}, not a finite number");
            }

            return score >= _successThreshold ? SessionOutcome.Succeeded(score, OutcomeSource) : SessionOutcome.Failed(score, OutcomeSource);
        }

        if (_success.TryGet(element, out var success))
        {
            return success.ValueKind switch
            {
                JsonValueKind.True => SessionOutcome.Succeeded(source: OutcomeSource),
                JsonValueKind.False => SessionOutcome.Failed(source: OutcomeSource),
                _ => throw context.Malformed($"has \"{_success.Name}\" that is {JsonElementHelpers.Describe(success.ValueKind)}, not a boolean"),
            };
        }

        return null;
    }

    /// <summary>Gets a session or agent id a log gives as it is stored: refused, naming the field, when it holds half a
    /// surrogate pair or a control character (as a host's id is, <see cref="AgentIds"/>); kept as its start, <c>~</c> and a
    /// hash of the whole when longer than <see cref="SessionRecord.MaxIdLength"/>, the same on every import, so importing
    /// the log again finds the session already stored.</summary>
    private static string LoggedId(string value, JsonFieldPath field, ElementContext context) =>
        AgentIds.CharacterProblem(value, $"\"{field.Name}\"") is { } problem
            ? throw context.Malformed("its " + problem)
            : IdentifierCap.StoredId(value);

    private static string? ReadScalar(JsonElement element, JsonFieldPath field, ElementContext context)
    {
        if (!field.TryGet(element, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw context.Malformed($"has \"{field.Name}\" that is {JsonElementHelpers.Describe(value.ValueKind)}, not a string or a number"),
        };
    }

    private static DateTimeOffset? ReadTime(JsonElement element, JsonFieldPath field, ElementContext context)
    {
        if (!field.TryGet(element, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return parsed;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var unix) && double.IsFinite(unix))
        {
            var milliseconds = Math.Abs(unix) >= UnixMillisecondsThreshold ? unix : unix * 1000;
            if (milliseconds >= DateTimeOffset.MinValue.ToUnixTimeMilliseconds() && milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            {
                return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(milliseconds));
            }
        }

        throw context.Malformed($"has \"{field.Name}\" that is not a time (ISO 8601 text or Unix seconds)");
    }

    private static string? NonBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static string Truncate(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        // Leave room for the ellipsis, and never cut a surrogate pair in half: the store would get invalid UTF-16.
        var length = maxLength - 1;
        if (char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        return text[..length] + "…";
    }
}
