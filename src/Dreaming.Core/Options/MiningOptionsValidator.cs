using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Validates <see cref="MiningOptions"/> with the messages of <see cref="MiningOptions.Validate"/>.</summary>
internal sealed class MiningOptionsValidator : IValidateOptions<MiningOptions>
{
    public ValidateOptionsResult Validate(string? name, MiningOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
