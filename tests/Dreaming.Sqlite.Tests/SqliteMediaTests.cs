using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Sqlite.Tests;

/// <summary>A chat call with a 5 MB image through <c>UseDreaming()</c> into a SQLite file: the file holds a note of it,
/// not its bytes.</summary>
public sealed class SqliteMediaTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_five_megabyte_image_adds_a_note_to_the_file_not_its_bytes()
    {
        var file = _folder.File("media.db");
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore("Data Source=" + file);
        services.AddChatClient(new AnsweringClient()).UseDreaming();
        await using (var provider = services.BuildServiceProvider())
        {
            var image = new byte[5 * 1024 * 1024];
            new Random(5).NextBytes(image);
            await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("agent", "look");
            await provider.GetRequiredService<IChatClient>().GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("what is this?"), new DataContent(image, "image/png")])]);
            await session.CompleteAsync();

            var user = Assert.Single((await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id)).OfType<MessageEvent>(), m => m.Role == "user");
            Assert.Equal("what is this?\n[attachment: image/png, 5242880 bytes]", user.Text);
        }

        // Everything the file holds, the schema included, is far smaller than the image.
        using var connection = new SqliteConnection("Data Source=" + file);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        command.ExecuteNonQuery();
        var bytes = new FileInfo(file).Length + (File.Exists(file + "-wal") ? new FileInfo(file + "-wal").Length : 0);
        Assert.True(bytes < 512 * 1024, $"the store holds {bytes} bytes");
    }

    private sealed class AnsweringClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "a cat")) { Usage = new UsageDetails { InputTokenCount = 800, OutputTokenCount = 2 } });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
