using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Dreaming.Tests;

// MemoryInjector's record of the server-side conversations (ChatOptions.ConversationId) that hold a memory, so a call in
// one is sent it no more (docs/tracing.md, "Conversations the service holds").
public class HeldConversationTests
{
    private static MemoryInjector Injector() => new(Substitute.For<IMemoryStore>(), Options.Create(new DreamingOptions()));

    [Fact]
    public void A_response_id_holds_the_memory_its_request_was_sent_or_its_conversation_held_and_nothing_else()
    {
        var injector = Injector();
        injector.Note(null, "resp_1", "memory A");
        injector.Note("resp_1", "resp_2", "memory A");

        // Given as instructions into a conversation that did not hold it: the next response does not hold it either.
        injector.Note("conv_host", "resp_3", "memory A");
        injector.Note("resp_2", "resp_4", "memory B");

        Assert.True(injector.Holds("resp_1", "memory A"));
        Assert.True(injector.Holds("resp_2", "memory A"));
        Assert.False(injector.Holds("resp_2", "memory B"));
        Assert.False(injector.Holds("resp_3", "memory A"));
        Assert.False(injector.Holds("resp_4", "memory B"));
        Assert.False(injector.Holds("resp_4", "memory A"));
    }

    [Fact]
    public void The_oldest_of_more_than_4096_conversations_is_forgotten_first()
    {
        var injector = Injector();
        for (var i = 0; i <= MemoryInjector.MaxHeldConversations; i++)
        {
            injector.Note(null, "resp_" + i, "memory A");
        }

        Assert.False(injector.Holds("resp_0", "memory A"));
        Assert.True(injector.Holds("resp_1", "memory A"));
        Assert.True(injector.Holds("resp_" + MemoryInjector.MaxHeldConversations, "memory A"));
    }

    [Fact]
    public void The_record_keeps_no_session_s_memory_text_alive()
    {
        // Each session renders its own copy of the memory: the record of 4,096 conversations kept as many copies (up to
        // MemoryTokenBudget's 100,000 tokens, 400,000 characters, each) for as long as the process ran.
        var injector = Injector();
        var text = NoteWithItsOwnCopy(injector, "resp_1");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(text.IsAlive);
        Assert.True(injector.Holds("resp_1", new string('m', 3200)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference NoteWithItsOwnCopy(MemoryInjector injector, string conversationId)
    {
        var text = new string('m', 3200);
        injector.Note(null, conversationId, text);
        return new WeakReference(text);
    }
}
