using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Validates <see cref="CurationOptions"/> with the messages of <see cref="CurationOptions.Validate"/>.</summary>
internal sealed class CurationOptionsValidator : IValidateOptions<CurationOptions>
{
    public ValidateOptionsResult Validate(string? name, CurationOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
