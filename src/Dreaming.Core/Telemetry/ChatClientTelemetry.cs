using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>What a chat client's <see cref="ChatClientMetadata"/> tells a session's span, read once per
/// <see cref="DreamingChatClient"/> so that no chat call pays for it.</summary>
/// <remarks>Immutable, so thread-safe.</remarks>
internal sealed class ChatClientTelemetry
{
    public static readonly ChatClientTelemetry None = new(null);

    private ChatClientTelemetry(ChatClientMetadata? metadata)
    {
        ProviderName = string.IsNullOrWhiteSpace(metadata?.ProviderName) ? null : metadata.ProviderName;
        DefaultModelId = string.IsNullOrWhiteSpace(metadata?.DefaultModelId) ? null : metadata.DefaultModelId;
        if (metadata?.ProviderUri is { IsAbsoluteUri: true } uri && !string.IsNullOrEmpty(uri.Host))
        {
            ServerAddress = uri.Host;
            ServerPort = uri.Port; // boxed once, here
        }
    }

    /// <summary>Gets <c>gen_ai.provider.name</c>: <see cref="ChatClientMetadata.ProviderName"/>, or <see langword="null"/>.</summary>
    public string? ProviderName { get; }

    /// <summary>Gets the client's default model, for <c>gen_ai.request.model</c> when a call names none.</summary>
    public string? DefaultModelId { get; }

    /// <summary>Gets <c>server.address</c>: the host of <see cref="ChatClientMetadata.ProviderUri"/>, or <see langword="null"/>.</summary>
    public string? ServerAddress { get; }

    /// <summary>Gets <c>server.port</c>, set with <see cref="ServerAddress"/>.</summary>
    public object? ServerPort { get; }

    /// <summary>Reads the metadata <paramref name="client"/> exposes through <c>GetService(typeof(ChatClientMetadata))</c>.</summary>
    public static ChatClientTelemetry Of(IChatClient client) =>
        client.GetService(typeof(ChatClientMetadata)) is ChatClientMetadata metadata ? new ChatClientTelemetry(metadata) : None;
}
