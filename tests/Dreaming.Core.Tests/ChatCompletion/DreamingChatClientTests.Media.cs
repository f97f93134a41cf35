using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

// Images, files and links in the messages: recorded as a note of what was given, never as their bytes.
public partial class DreamingChatClientTests
{
    private const int FiveMegabytes = 5 * 1024 * 1024;

    private static byte[] Image(int length, byte seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_image_with_text_is_recorded_as_the_text_and_a_note_of_the_image_without_its_bytes(bool streaming)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "look");
        var image = Image(FiveMegabytes);
        List<ChatMessage> sent = [new(ChatRole.User, [new TextContent("what is in this picture?"), new DataContent(image, "image/png") { Name = "cat.png" }])];
        _ = streaming ? await host.Chat.GetStreamingResponseAsync(sent).ToChatResponseAsync() : await host.Chat.GetResponseAsync(sent);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var user = Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "user");
        Assert.Equal("what is in this picture?\n[attachment: image/png, 5242880 bytes, cat.png]", user.Text);

        // Nothing of the image reaches the store: every event together is a few hundred bytes of JSON.
        var stored = events.Sum(e => JsonSerializer.Serialize(e).Length);
        Assert.True(stored < 2_000, $"the events hold {stored} characters");
        Assert.Equal(32_768, new DreamingOptions().MaxContentLength);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_image_alone_is_recorded_as_a_user_message_noting_it(bool streaming)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "look");
        List<ChatMessage> sent = [new(ChatRole.User, [new DataContent(Image(1000), "image/jpeg")])];
        _ = streaming ? await host.Chat.GetStreamingResponseAsync(sent).ToChatResponseAsync() : await host.Chat.GetResponseAsync(sent);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("message.user", "[attachment: image/jpeg, 1000 bytes]"), ("message.assistant", "echo: ")],
            events.OfType<MessageEvent>().Select(m => (m.EventType, m.Text)));
    }

    [Fact]
    public async Task An_image_reaches_the_OpenAI_wire_whole_while_the_session_records_its_note()
    {
        await using var server = new OpenAIWireServer().Completion(new { role = "assistant", content = "a cat" });
        await using var host = TracingHost.Create(server.ChatClient());
        await using var session = host.Sessions.StartSession("agent", "look");
        var image = Image(300_000);
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("what is this?"), new DataContent("data:image/png;base64," + Convert.ToBase64String(image))])]);
        await session.CompleteAsync();

        var (_, body) = Assert.Single(server.Requests);
        var parts = body.GetProperty("messages")[0].GetProperty("content");
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(image), parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal(
            [("message.user", "what is this?\n[attachment: image/png, 300000 bytes]"), ("message.assistant", "a cat")],
            (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => (m.EventType, m.Text)));
    }

    [Fact]
    public async Task Links_and_hosted_files_are_noted_with_their_media_type_name_and_address_without_its_query()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "look");
        var file = new HostedFileContent("file-abc123") { MediaType = "application/pdf", Name = "report.pdf", SizeInBytes = 2048 };
        var link = new UriContent("https://cdn.example.com/img/cat.png?sig=SECRETSIGNATURE&se=2026", "image/png");
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("compare"), link, file, new HostedFileContent("file-xyz")])]);
        await session.CompleteAsync();

        var user = Assert.Single((await host.EventsAsync(session.Id)).OfType<MessageEvent>(), m => m.Role == "user");
        Assert.Equal(
            "compare\n[attachment: image/png, https://cdn.example.com/img/cat.png]\n[attachment: application/pdf, 2048 bytes, report.pdf, file id file-abc123]\n[attachment: file id file-xyz]",
            user.Text);
        Assert.DoesNotContain("SECRETSIGNATURE", user.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_sent_again_in_the_history_is_not_recorded_again_and_a_different_one_is()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "look");
        var image = Image(100_000);
        List<ChatMessage> history = [new(ChatRole.User, [new DataContent(image, "image/png")])];
        history.AddRange((await host.Chat.GetResponseAsync(history)).Messages);

        // The next turn: the same image read back as a data URI (a new instance), then a different image of the same size.
        history[0] = new ChatMessage(ChatRole.User, [new DataContent("data:image/png;base64," + Convert.ToBase64String(image))]);
        history.Add(new ChatMessage(ChatRole.User, [new DataContent(Image(100_000, seed: 8), "image/png")]));
        await host.Chat.GetResponseAsync(history);
        await session.CompleteAsync();

        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["[attachment: image/png, 100000 bytes]", "echo: ", "[attachment: image/png, 100000 bytes]", "echo: "], texts);
    }

    [Fact]
    public async Task An_unscoped_call_with_an_image_alone_takes_the_note_as_its_task()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(Image(10), "image/png")])]);
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("what is it?"), new DataContent(Image(10), "image/png")])]);
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);

        var tasks = (await host.Store.QuerySessionsAsync(new SessionQuery())).Items.Select(s => s.Task).Order(StringComparer.Ordinal);
        Assert.Equal(["[attachment: image/png, 10 bytes]", "what is it?"], tasks);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reasoning_is_not_recorded_as_the_answer(bool streaming)
    {
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(
                new ChatMessage(ChatRole.Assistant, [new TextReasoningContent("the user seems upset") { ProtectedData = "opaque" }, new TextContent("Here is the answer.")]))
            {
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 50, ReasoningTokenCount = 40 },
            }),
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "think");
        List<ChatMessage> sent = [new(ChatRole.User, "why?")];
        _ = streaming ? await host.Chat.GetStreamingResponseAsync(sent).ToChatResponseAsync() : await host.Chat.GetResponseAsync(sent);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["why?", "Here is the answer."], events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.DoesNotContain(events, e => JsonSerializer.Serialize(e).Contains("upset", StringComparison.Ordinal));
        Assert.Equal(50, Assert.Single(events.OfType<ModelResponseEvent>()).Usage.OutputTokens);
    }

    [Fact]
    public async Task A_response_of_reasoning_alone_records_no_assistant_message()
    {
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new TextReasoningContent("hmm")]))),
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "think");
        await host.Chat.GetResponseAsync("why?");
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "model.response"], events.Select(e => e.EventType));
    }

    private sealed record Weather(string City, int Celsius);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Structured_output_records_the_answer_once_as_the_models_text_with_its_usage(bool functionInvocation)
    {
        ChatOptions? seen = null;
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, options, _) =>
            {
                seen = options;
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"city":"Paris","celsius":21}"""))
                {
                    ModelId = "m",
                    Usage = new UsageDetails { InputTokenCount = 30, OutputTokenCount = 9 },
                });
            },
        };
        await using var host = TracingHost.Create(inner, functionInvocation ? b => b.UseDreaming().UseFunctionInvocation() : null);
        await using var session = host.Sessions.StartSession("agent", "weather");

        var response = await host.Chat.GetResponseAsync<Weather>("weather in Paris?");
        await session.CompleteAsync();

        Assert.Equal(new Weather("Paris", 21), response.Result);
        Assert.IsType<ChatResponseFormatJson>(seen?.ResponseFormat);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("message.user", "weather in Paris?"), ("message.assistant", """{"city":"Paris","celsius":21}""")],
            events.OfType<MessageEvent>().Select(m => (m.EventType, m.Text)));
        var usage = Assert.Single(events.OfType<ModelResponseEvent>()).Usage;
        Assert.Equal((30, 9), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task A_tool_that_returns_an_image_is_recorded_as_a_note_of_it()
    {
        var screenshot = AIFunctionFactory.Create(() => new DataContent(Image(FiveMegabytes), "image/png"), "screenshot");
        var rounds = 0;
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(++rounds == 1
                ? new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "screenshot")]))
                : new ChatResponse(new ChatMessage(ChatRole.Assistant, "a login page"))),
        };
        await using var host = TracingHost.Create(inner, b => b.UseDreaming().UseFunctionInvocation());
        await using var session = host.Sessions.StartSession("agent", "look");
        await host.Chat.GetResponseAsync("what is on screen?", new ChatOptions { Tools = [screenshot] });
        await session.CompleteAsync();

        var result = Assert.Single((await host.EventsAsync(session.Id)).OfType<ToolResultEvent>());
        Assert.Equal("[attachment: image/png, 5242880 bytes]", result.Result);
    }
}
