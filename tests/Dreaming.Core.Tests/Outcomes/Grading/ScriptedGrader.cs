using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests.Outcomes.Grading;

/// <summary>A grader model that answers from a script and records every request.</summary>
internal sealed class ScriptedGrader
{
    private readonly Lock _gate = new();
    private readonly List<(ChatMessage[] Messages, ChatOptions? Options)> _calls = [];
    private int _next = -1;

    /// <summary>Answers call n (0-based, in the order calls arrive) with <paramref name="reply"/>(n).</summary>
    public ScriptedGrader(Func<int, string> reply)
    {
        Client = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, options, _) =>
            {
                var n = Record(messages, options);
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply(n)))
                {
                    Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 20, CachedInputTokenCount = 10 },
                });
            },
        };
    }

    /// <summary>Answers the calls with <paramref name="replies"/> in turn, repeating the last.</summary>
    public ScriptedGrader(params string[] replies)
        : this(n => replies[Math.Min(n, replies.Length - 1)])
    {
    }

    /// <summary>Hands each call to <paramref name="respond"/>, which may throw or wait.</summary>
    public ScriptedGrader(Func<int, CancellationToken, Task<ChatResponse>> respond)
    {
        Client = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, options, cancellationToken) => respond(Record(messages, options), cancellationToken),
        };
    }

    public FakeChatClient Client { get; }

    public int CallCount
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count;
            }
        }
    }

    public (ChatMessage[] Messages, ChatOptions? Options) Call(int index)
    {
        lock (_gate)
        {
            return _calls[index];
        }
    }

    /// <summary>A grading reply in the requested shape.</summary>
    public static string Reply(params (string Id, string Verdict)[] verdicts) =>
        JsonSerializer.Serialize(new
        {
            criteria = verdicts.Select(v => new { id = v.Id, reason = $"reason for {v.Id}: {v.Verdict}", verdict = v.Verdict }),
        });

    private int Record(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        lock (_gate)
        {
            _calls.Add((messages.ToArray(), options));
            return ++_next;
        }
    }
}
