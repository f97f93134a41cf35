using System.Globalization;
using Microsoft.Extensions.AI;

namespace Dreaming.AgentFramework;

/// <summary>How <c>UseDreamingSessions()</c> starts the Dreaming session of an Agent Framework agent's run.</summary>
/// <remarks>The options are read when the agent is built (<c>AIAgentBuilder.Build</c>): a change made afterwards does
/// not reach the built agent. An instance is not safe to change from several threads at once.</remarks>
public sealed class DreamingAgentSessionOptions
{
    /// <summary>The task a run's session is given when the task selector finds no text: <c>(no user message)</c>.</summary>
    public const string NoUserMessageTask = "(no user message)";

    /// <summary>Gets or sets the agent id of the runs' sessions (the memory they are given is this agent's). When
    /// <see langword="null"/> (the default), the agent's <c>Name</c>, or <c>DreamingOptions.AgentId</c> when the agent
    /// has no name. When set: not blank, and Unicode text (no half of a surrogate pair).</summary>
    public string? AgentId { get; set; }

    /// <summary>Gets or sets the team or tenant scope of the runs' sessions, as <see cref="AgentSessionOptions.Scope"/>:
    /// they are then also given the team's memory (<c>team:{Scope}</c>) and dreamt over with it. When set: not blank, and
    /// Unicode text. <see langword="null"/> (the default) for none.</summary>
    public string? Scope { get; set; }

    /// <summary>Gets or sets what a run's session is given as its task, chosen from the messages the run is given (the
    /// new messages of the run, not the conversation's history). When <see langword="null"/> (the default),
    /// <see cref="LastUserMessageText"/>. A selector that returns <see langword="null"/> or a blank text gives the session
    /// the task <see cref="NoUserMessageTask"/>; one that throws fails the run before anything is started. It is called
    /// once per run that starts a session, on the run's thread, and may be called for concurrent runs at once.</summary>
    public Func<IEnumerable<ChatMessage>, string?>? TaskSelector { get; set; }

    /// <summary>The default task selector: the text of the last message whose role is <see cref="ChatRole.User"/>, or
    /// <see langword="null"/> when there is none.</summary>
    /// <param name="messages">The messages the run is given.</param>
    /// <returns>The text of the run's last user message, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is <see langword="null"/>.</exception>
    public static string? LastUserMessageText(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ChatMessage? last = null;
        foreach (var message in messages)
        {
            if (message is not null && message.Role == ChatRole.User)
            {
                last = message;
            }
        }

        return last?.Text;
    }

    /// <summary>Checks the options, throwing an <see cref="ArgumentException"/> for <paramref name="paramName"/> that
    /// names the option and its value.</summary>
    internal void Validate(string paramName)
    {
        Check(AgentId, nameof(AgentId), paramName);
        Check(Scope, nameof(Scope), paramName);
    }

    private static void Check(string? value, string option, string paramName)
    {
        if (value is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"DreamingAgentSessionOptions.{option} must not be blank when set (it is \"{value}\"); leave it null for the default."), paramName);
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"DreamingAgentSessionOptions.{option} has an unpaired surrogate (half a character, U+{(int)value[i]:X4}) at index {i}; stores keep ids as UTF-8, which would make it U+FFFD."), paramName);
            }
        }
    }
}
