using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

/// <summary>The transcript remembers call ids (to pair a tool round sent with a conversation id with its call) and
/// server-side conversation ids for a session's life, and the memory injector remembers conversation ids for the process's:
/// a hostile model answering every call with new megabyte ids, calls it never has answered, made them hold up to 4,096
/// (and 1,024) of them whole, gigabytes. They hold the ids capped (<see cref="RecordedIdentifiers"/>), and still pair.</summary>
public sealed class TranscriptTrackerHostileIdTests
{
    private const int Calls = 12;

    [Fact]
    public void Megabyte_call_and_conversation_ids_are_not_held_once_the_messages_are_gone_and_still_pair()
    {
        var tracker = new TranscriptTracker();
        var injector = new MemoryInjector(new InMemoryMemoryStore(), Options.Create(new DreamingOptions()));
        var ids = Converse(tracker, injector);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Only the calls of the last paths taken (TranscriptTracker.MaxPaths; the calls made without a conversation id) are
        // still held, in their message instances, which a host keeps in its history anyway; no id is held apart from its message.
        Assert.Equal(
            Enumerable.Range(0, Calls).Where(i => i % 2 == 1).TakeLast(TranscriptTracker.MaxPaths).Select(i => "call " + i),
            ids.Where(id => id.Reference.IsAlive).Select(id => id.Name));

        // The capped ids still pair: the conversation of the last response holds the memory, and a tool round sent alone
        // under a conversation the tracker does not know goes on from the call it answers, so the whole history sent
        // again afterwards, without a conversation id, records only what is new.
        Assert.True(injector.Holds(LongId("resp", Calls - 1), "memory"));
        var answer = new ChatMessage(ChatRole.Tool, [new FunctionResultContent(LongId("call", 0), "ok")]);
        Assert.Single(tracker.ObserveRequest([answer], "conv-unknown", out _));
        ChatMessage[] history =
        [
            new(ChatRole.User, "question 0"),
            new(ChatRole.Assistant, [new FunctionCallContent(LongId("call", 0), "lookup")]),
            new(ChatRole.Tool, [new FunctionResultContent(LongId("call", 0), "ok")]),
            new(ChatRole.User, "thanks"),
        ];
        Assert.Equal("thanks", Assert.Single(tracker.ObserveRequest(history, conversationId: null, out _)).Text);
        GC.KeepAlive(tracker);
        GC.KeepAlive(injector);
    }

    [Fact]
    public void Reasons_of_refused_calls_never_answered_are_held_up_to_a_total_length_and_the_newest_is_still_taken()
    {
        // Up to 4,096 reasons were held until their calls' results came, whatever their length: a host refusing calls with
        // megabyte reasons and never sending the results made the session hold them all (40 of them here, 40 MiB of text).
        var tracker = new TranscriptTracker();
        var reasons = Refuse(tracker, 40);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var held = reasons.Count(r => r.IsAlive);
        Assert.InRange((long)held * (1 << 20), 1, TranscriptTracker.MaxRejectionReasonsLength);
        Assert.True(tracker.TryTakeRejection("call 39", out var reason));
        Assert.Equal(1 << 20, reason?.Length);
        Assert.False(tracker.TryTakeRejection("call 0", out _));
        GC.KeepAlive(tracker);
    }

    [Fact]
    public void Reasons_adding_up_to_the_limit_are_all_held_and_one_character_more_forgets_those_held()
    {
        // Exactly MaxRejectionReasonsLength characters (16 reasons of 1 Mi) are held together; the 17th refusal, of one
        // character, takes the total one past it, so the 16 are forgotten together and the new one is held.
        var each = (int)(TranscriptTracker.MaxRejectionReasonsLength / 16);
        var full = new TranscriptTracker();
        var over = new TranscriptTracker();
        foreach (var tracker in new[] { full, over })
        {
            for (var i = 0; i < 16; i++)
            {
                tracker.RememberRejection("call " + i, new string('r', each));
            }
        }

        over.RememberRejection("call 16", "x");
        var page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tracing.md")).ReplaceLineEndings(" ");
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{TranscriptTracker.MaxRejectionReasonsLength:N0} characters"), page, StringComparison.Ordinal);

        Assert.All(Enumerable.Range(0, 16), i => Assert.True(full.TryTakeRejection("call " + i, out var reason) && reason?.Length == each, "call " + i));
        Assert.All(Enumerable.Range(0, 16), i => Assert.False(over.TryTakeRejection("call " + i, out _), "call " + i));
        Assert.True(over.TryTakeRejection("call 16", out var last));
        Assert.Equal("x", last);
    }

    [Fact]
    public void A_reason_taken_or_given_again_for_the_same_call_frees_its_length()
    {
        // The total counts each held reason once: a call refused again replaces its reason, and a result that came takes
        // its reason out, so neither pushes the total past the limit and forgets the other calls' reasons.
        var tracker = new TranscriptTracker();
        var megabyte = new string('r', 1 << 20);
        tracker.RememberRejection("kept", "the person said no");
        for (var i = 0; i < 40; i++)
        {
            tracker.RememberRejection("again", megabyte);
            tracker.RememberRejection("answered " + i, megabyte);
            Assert.True(tracker.TryTakeRejection("answered " + i, out _));
        }

        Assert.True(tracker.TryTakeRejection("kept", out var reason));
        Assert.Equal("the person said no", reason);
        Assert.True(tracker.TryTakeRejection("again", out _));
    }

    // Refuses calls "call 0", "call 1", … each with a new reason of a megabyte; returns weak references to the reasons.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> Refuse(TranscriptTracker tracker, int count)
    {
        var reasons = new List<WeakReference>();
        for (var i = 0; i < count; i++)
        {
            var reason = new string((char)('a' + (i % 26)), 1 << 20);
            tracker.RememberRejection("call " + i, reason);
            reasons.Add(new WeakReference(reason));
        }

        return reasons;
    }

    // Each call: a question in a conversation of a megabyte id, answered by a call of a megabyte id that is never answered
    // and a response naming another megabyte conversation; a person's approval asked and refused for other such calls.
    // Returns weak references to every id, none held here once it returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<(string Name, WeakReference Reference)> Converse(TranscriptTracker tracker, MemoryInjector injector)
    {
        var ids = new List<(string Name, WeakReference Reference)>();
        for (var i = 0; i < Calls; i++)
        {
            var asked = LongId("conv", i);
            var callId = LongId("call", i);
            var responseConversation = LongId("resp", i);
            var approval = LongId("approval", i);
            var rejection = LongId("rejection", i);
            ids.AddRange([("conv " + i, new(asked)), ("call " + i, new(callId)), ("resp " + i, new(responseConversation)), ("approval " + i, new(approval)), ("rejection " + i, new(rejection))]);

            var server = i % 2 == 0 ? asked : null;
            tracker.ObserveRequest([new ChatMessage(ChatRole.User, "question " + i)], server, out var position);
            tracker.ObserveResponse(position, [new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, "lookup")])], responseConversation);
            tracker.RememberToolName(callId, "lookup");
            tracker.RememberApprovalRequest(approval);
            tracker.RememberRejection(rejection, "no");
            injector.Note(askedConversationId: null, responseConversation, "memory");
        }

        return ids;
    }

    // A new string each time, of a megabyte: equal for equal arguments, never the same instance.
    private static string LongId(string kind, int number) => kind + "_" + number + new string('x', 1_000_000);
}
