/* Tests for log/entry.c: canonical bodies byte for byte, index keys,
 * signature checks and forgeries, every error class, and known answers from
 * the public Rekor log (bodies whose signed entry timestamps verify under
 * Rekor's production key). */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "codec.h"
#include "entry.h"
#include "err.h"
#include "keys.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* --- known answers --------------------------------------------------------
 * From sigstore-js packages/verify/src/__tests__/__fixtures__ (bundles/v01/
 * signature.ts validBundleWithSigningCert, bundles/v01/dsse.ts
 * validBundleWithDSSETLogEntry, and trust.ts for the Rekor key): two entries
 * of the public Rekor log, logIndex 6757503 (hashedrekord) and 22797666
 * (dsse), with their signed entry timestamps and signing certificates. */
static const char kat_hr_body_b64[] =
    "eyJhcGlWZXJzaW9uIjoiMC4wLjEiLCJraW5kIjoiaGFzaGVkcmVrb3JkIiwic3BlYyI6eyJk"
    "YXRhIjp7Imhhc2giOnsiYWxnb3JpdGhtIjoic2hhMjU2IiwidmFsdWUiOiI2OGU2NTZiMjUx"
    "ZTY3ZTgzNThiZWY4NDgzYWIwZDUxYzY2MTlmM2U3YTFhOWYwZTc1ODM4ZDQxZmYzNjhmNzI4"
    "In19LCJzaWduYXR1cmUiOnsiY29udGVudCI6Ik1FUUNJSHM1YVV1bHExSHBSK2Z3bVNLcExr"
    "L29Bd3E1TzlDRE5GSGhaQUtmRzVHbUFpQndjVm5mMm9ienNDR1ZsZjBBSXZidkhyMjFOWHQ3"
    "dHBMQmw0K0JyaDZPS0E9PSIsInB1YmxpY0tleSI6eyJjb250ZW50IjoiTFMwdExTMUNSVWRK"
    "VGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2sxSlNVTnZSRU5EUVdsaFowRjNTVUpCWjBsVlpY"
    "WmhaU3R1VEZFNGJXYzJUM2xQUWpRelRVdEtNVEJHTWtORmQwTm5XVWxMYjFwSmVtb3dSVUYz"
    "VFhjS1RucEZWazFDVFVkQk1WVkZRMmhOVFdNeWJHNWpNMUoyWTIxVmRWcEhWakpOVWpSM1NF"
    "RlpSRlpSVVVSRmVGWjZZVmRrZW1SSE9YbGFVekZ3WW01U2JBcGpiVEZzV2tkc2FHUkhWWGRJ"
    "YUdOT1RXcEplRTFVUVRWTlJFVjZUWHBCTlZkb1kwNU5ha2w0VFZSQk5VMUVSVEJOZWtFMVYy"
    "cEJRVTFHYTNkRmQxbElDa3R2V2tsNmFqQkRRVkZaU1V0dldrbDZhakJFUVZGalJGRm5RVVU1"
    "UkdKWlFrbE5VVXgwVjJJMlNqVm5kRXcyT1dwblVuZDNSV1prZEZGMFMzWjJSelFLSzI4eldu"
    "cHNUM0p2U25Cc2NGaGhWbWRHTm5kQ1JHOWlLeXR5VGtjNUwwRjZVMkZDYlVGd2EwVjNTVFV5"
    "V0VKcVYzRlBRMEZWVlhkblowWkNUVUUwUndwQk1WVmtSSGRGUWk5M1VVVkJkMGxJWjBSQlZF"
    "Sm5UbFpJVTFWRlJFUkJTMEpuWjNKQ1owVkdRbEZqUkVGNlFXUkNaMDVXU0ZFMFJVWm5VVlZX"
    "U1VsR0NtTXdPSG8yZFZZNVdUazJVeXQyTlc5RVltSnRTRVZaZDBoM1dVUldVakJxUWtKbmQw"
    "WnZRVlV6T1ZCd2VqRlphMFZhWWpWeFRtcHdTMFpYYVhocE5Ga0tXa1E0ZDBoM1dVUldVakJT"
    "UVZGSUwwSkNWWGRGTkVWU1dXNUtjRmxYTlVGYVIxWnZXVmN4YkdOcE5XcGlNakIzVEVGWlMw"
    "dDNXVUpDUVVkRWRucEJRZ3BCVVZGbFlVaFNNR05JVFRaTWVUbHVZVmhTYjJSWFNYVlpNamww"
    "VERKNGRsb3liSFZNTWpsb1pGaFNiMDFKUjB0Q1oyOXlRbWRGUlVGa1dqVkJaMUZEQ2tKSWQw"
    "VmxaMEkwUVVoWlFUTlVNSGRoYzJKSVJWUktha2RTTkdOdFYyTXpRWEZLUzFoeWFtVlFTek12"
    "YURSd2VXZERPSEEzYnpSQlFVRkhSVmRuVlVjS1VYZEJRVUpCVFVGU2VrSkdRV2xGUVd4TGVX"
    "Tk5Ra015Y1N0UlRTdHRZM1EyTUZKT1JVNTRjRlZTU0dWek5uWm5UMEpYWkhnM01WaGpXR2RE"
    "U1VGMGJncE5lbmN2WTBKM05XZ3dhSEpaU2poaU1WQkthbTk0YmpOck1VNHlWR1JuYjJaeGRr"
    "MW9ZbE5VVFVGdlIwTkRjVWRUVFRRNVFrRk5SRUV5WjBGTlIxVkRDazFSUXpKTFRFWlpVMmxF"
    "THl0VE1WZEZjM2xtT1dONlpqVXlkeXRGTlRjM1NHazNOM0k0Y0VkVlRURnlVUzlDZW1jeFlV"
    "ZDJVWE13TDJ0Qlp6TlRMMG9LVTBSblEwMUZaRTQxWkVsVE1IUlNiVEZUVDAxaVQwWmpWeXN4"
    "ZVhwU0swOXBRMVpLTjBSV1JuZFZaRWt6UkM4M1JWSjRkRTQ1WlM5TVNqWjFZVkp1VWdvdlUy"
    "RnVjbmM5UFFvdExTMHRMVVZPUkNCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PSJ9fX19";
static const char kat_hr_set[] = "MEUCIFUNcHgHB318gCNJR0/CH4E0daODbnfePyzKCDqrt3twAiEA9N+ZObaLwVJwvOtPgkfo"
                                 "Ba5NzjTH0eC06YBlOyZlMiY=";
static const char kat_hr_cert_der_b64[] =
    "MIICoDCCAiagAwIBAgIUevae+nLQ8mg6OyOB43MKJ10F2CEwCgYIKoZIzj0EAwMwNzEVMBMG"
    "A1UEChMMc2lnc3RvcmUuZGV2MR4wHAYDVQQDExVzaWdzdG9yZS1pbnRlcm1lZGlhdGUwHhcN"
    "MjIxMTA5MDEzMzA5WhcNMjIxMTA5MDE0MzA5WjAAMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD"
    "QgAE9DbYBIMQLtWb6J5gtL69jgRwwEfdtQtKvvG4+o3ZzlOroJplpXaVgF6wBDob++rNG9/A"
    "zSaBmApkEwI52XBjWqOCAUUwggFBMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEF"
    "BQcDAzAdBgNVHQ4EFgQUVIIFc08z6uV9Y96S+v5oDbbmHEYwHwYDVR0jBBgwFoAU39Ppz1Yk"
    "EZb5qNjpKFWixi4YZD8wHwYDVR0RAQH/BBUwE4ERYnJpYW5AZGVoYW1lci5jb20wLAYKKwYB"
    "BAGDvzABAQQeaHR0cHM6Ly9naXRodWIuY29tL2xvZ2luL29hdXRoMIGKBgorBgEEAdZ5AgQC"
    "BHwEegB4AHYA3T0wasbHETJjGR4cmWc3AqJKXrjePK3/h4pygC8p7o4AAAGEWgUGQwAABAMA"
    "RzBFAiEAlKycMBC2q+QM+mct60RNENxpURHes6vgOBWdx71XcXgCIAtnMzw/cBw5h0hrYJ8b"
    "1PJjoxn3k1N2TdgofqvMhbSTMAoGCCqGSM49BAMDA2gAMGUCMQC2KLFYSiD/+S1WEsyf9czf"
    "52w+E577Hi77r8pGUM1rQ/Bzg1aGvQs0/kAg3S/JSDgCMEdN5dIS0tRm1SOMbOFcW+1yzR+O"
    "iCVJ7DVFwUdI3D/7ERxtN9e/LJ6uaRnR/Sanrw==";
static const char kat_dsse_body_b64[] =
    "eyJhcGlWZXJzaW9uIjoiMC4wLjEiLCJraW5kIjoiZHNzZSIsInNwZWMiOnsiZW52ZWxvcGVI"
    "YXNoIjp7ImFsZ29yaXRobSI6InNoYTI1NiIsInZhbHVlIjoiZjRjMTc1ZTVlZjQ2YjEyMzc4"
    "NzQ3MDZkYjFhYzE1YmY5ZGYzYTg5MGJlNmY1MmEyNzY0Y2QyZGFiMzJjZWQwNyJ9LCJwYXls"
    "b2FkSGFzaCI6eyJhbGdvcml0aG0iOiJzaGEyNTYiLCJ2YWx1ZSI6IjY4ZTY1NmIyNTFlNjdl"
    "ODM1OGJlZjg0ODNhYjBkNTFjNjYxOWYzZTdhMWE5ZjBlNzU4MzhkNDFmZjM2OGY3MjgifSwi"
    "c2lnbmF0dXJlcyI6W3sic2lnbmF0dXJlIjoiTUVZQ0lRRHFLRHQ2MTk3dnFjYkM3Rys0YkF6"
    "NWkrYitnSUVIRjdiMG1uWkJJejZvMmdJaEFPNG84WFdBZFdZRGUwRjZOTHVpK3hLSVA3a2hv"
    "QVUzNDZnSmYwUzNxVFpvIiwidmVyaWZpZXIiOiJMUzB0TFMxQ1JVZEpUaUJEUlZKVVNVWkpR"
    "MEZVUlMwdExTMHRDazFKU1VNd1ZFTkRRV3hoWjBGM1NVSkJaMGxWVDBKRlVuQjRhRloxV2xS"
    "a09GaHlUa3BvWlZsRVVUbHBjM3BCZDBObldVbExiMXBKZW1vd1JVRjNUWGNLVG5wRlZrMUNU"
    "VWRCTVZWRlEyaE5UV015Ykc1ak0xSjJZMjFWZFZwSFZqSk5ValIzU0VGWlJGWlJVVVJGZUZa"
    "NllWZGtlbVJIT1hsYVV6RndZbTVTYkFwamJURnNXa2RzYUdSSFZYZElhR05PVFdwTmQwNXFR"
    "VEZOVkdNeFRXcFZNRmRvWTA1TmFrMTNUbXBCTVUxVVozZE5hbFV3VjJwQlFVMUdhM2RGZDFs"
    "SUNrdHZXa2w2YWpCRFFWRlpTVXR2V2tsNmFqQkVRVkZqUkZGblFVVjRiMGxSZUZJdlVuaFli"
    "REl3WkVGTk4zQmpTMnhETldaRmQxSmxlRzFJVFVONmMxZ0tZVkJ3VlhCeWIzSXZRVkZzYzNR"
    "dlYwZGpka2hyWW5SSFdHTnBRbGRXYTNKdWVHNUliekZKTlU4ck56TkdlRUp5VW1GUFEwRllW"
    "WGRuWjBaNFRVRTBSd3BCTVZWa1JIZEZRaTkzVVVWQmQwbElaMFJCVkVKblRsWklVMVZGUkVS"
    "QlMwSm5aM0pDWjBWR1FsRmpSRUY2UVdSQ1owNVdTRkUwUlVablVWVkNhR05aQ21keFNXYzRW"
    "bmR5WkZOR01XdFdWRTkwVUZCR1RsTnJkMGgzV1VSV1VqQnFRa0puZDBadlFWVXpPVkJ3ZWpG"
    "WmEwVmFZalZ4VG1wd1MwWlhhWGhwTkZrS1drUTRkMGgzV1VSV1VqQlNRVkZJTDBKQ1ZYZEZO"
    "RVZTV1c1S2NGbFhOVUZhUjFadldWY3hiR05wTldwaU1qQjNURUZaUzB0M1dVSkNRVWRFZG5w"
    "QlFncEJVVkZsWVVoU01HTklUVFpNZVRsdVlWaFNiMlJYU1hWWk1qbDBUREo0ZGxveWJIVk1N"
    "amxvWkZoU2IwMURORWREYVhOSFFWRlJRbWMzT0hkQlVXZEZDa2xCZDJWaFNGSXdZMGhOTmt4"
    "NU9XNWhXRkp2WkZkSmRWa3lPWFJNTW5oMldqSnNkVXd5T1doa1dGSnZUVWxIUzBKbmIzSkNa"
    "MFZGUVdSYU5VRm5VVU1LUWtoM1JXVm5RalJCU0ZsQk0xUXdkMkZ6WWtoRlZFcHFSMUkwWTIx"
    "WFl6TkJjVXBMV0hKcVpWQkxNeTlvTkhCNVowTTRjRGR2TkVGQlFVZEpha3hFUkFvNFVVRkJR"
    "a0ZOUVZKNlFrWkJhVUZWTkRCdlZtRTBOVVZQWmpGTmFYRXhZaXRRUlVaR1J6aGhMelV4VGk5"
    "dmRuSklZM2szTkhjNVpXeG5TV2hCU2pCS0NrMTJhVkl6TURsRFYzcHZjMFE1YXk5cGNUbHpL"
    "MGxxTTNocVRtUnlkVFJuYlhObUsyVnFWakpOUVc5SFEwTnhSMU5OTkRsQ1FVMUVRVEpyUVUx"
    "SFdVTUtUVkZFU3pkcU5UZHRObXRwVEZnMllpOHdZV3RRTkZOTVpYZEVVMHR5Y0dZM1RuZ3JV"
    "R1JpWlVGbE9UVlVlVkZIZEZwS1F5dGFLek5xVkVsd09YcHZjd3A0Y0VWRFRWRkVjVkJKVVV4"
    "RWVXOXJWV1ZqYVhOWFVGWktNa2RWZUhOVU1IbDNNV2h3TTB4WmRUWXpjMlJIZUZWVFZqWTRi"
    "WE0zVVhaWFZVdHJabUZDQ2xKSGNTdHpUbXM5Q2kwdExTMHRSVTVFSUVORlVsUkpSa2xEUVZS"
    "RkxTMHRMUzBLIn1dfX0=";
static const char kat_dsse_set[] = "MEQCIHhAfEwtfkiRK/XD1EbjArDzf9svz75oqUqfT6Mha6PHAiBE+ibnkU7x/AgKMshVT23+"
                                   "DLc3+OtTozW5eulQKrBQnw==";
static const char kat_dsse_cert_der_b64[] =
    "MIIC0TCCAlagAwIBAgIUOBERpxhVuZTd8XrNJheYDQ9iszAwCgYIKoZIzj0EAwMwNzEVMBMG"
    "A1UEChMMc2lnc3RvcmUuZGV2MR4wHAYDVQQDExVzaWdzdG9yZS1pbnRlcm1lZGlhdGUwHhcN"
    "MjMwNjA1MTc1MjU0WhcNMjMwNjA1MTgwMjU0WjAAMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD"
    "QgAExoIQxR/RxXl20dAM7pcKlC5fEwRexmHMCzsXaPpUpror/AQlst/WGcvHkbtGXciBWVkr"
    "nxnHo1I5O+73FxBrRaOCAXUwggFxMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEF"
    "BQcDAzAdBgNVHQ4EFgQUBhcYgqIg8VwrdSF1kVTOtPPFNSkwHwYDVR0jBBgwFoAU39Ppz1Yk"
    "EZb5qNjpKFWixi4YZD8wHwYDVR0RAQH/BBUwE4ERYnJpYW5AZGVoYW1lci5jb20wLAYKKwYB"
    "BAGDvzABAQQeaHR0cHM6Ly9naXRodWIuY29tL2xvZ2luL29hdXRoMC4GCisGAQQBg78wAQgE"
    "IAweaHR0cHM6Ly9naXRodWIuY29tL2xvZ2luL29hdXRoMIGKBgorBgEEAdZ5AgQCBHwEegB4"
    "AHYA3T0wasbHETJjGR4cmWc3AqJKXrjePK3/h4pygC8p7o4AAAGIjLDD8QAABAMARzBFAiAU"
    "40oVa45EOf1Miq1b+PEFFG8a/51N/ovrHcy74w9elgIhAJ0JMviR309CWzosD9k/iq9s+Ij3"
    "xjNdru4gmsf+ejV2MAoGCCqGSM49BAMDA2kAMGYCMQDK7j57m6kiLX6b/0akP4SLewDSKrpf"
    "7Nx+PdbeAe95TyQGtZJC+Z+3jTIp9zosxpECMQDqPIQLDyokUecisWPVJ2GUxsT0yw1hp3LY"
    "u63sdGxUSV68ms7QvWUKkfaBRGq+sNk=";
/* rekor.sigstore.dev's public key; its logID is the SHA-256 of the DER. */
static const char rekor_pem[] = "-----BEGIN PUBLIC KEY-----\n"
                                "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr\n"
                                "kBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n"
                                "-----END PUBLIC KEY-----\n";
static const char rekor_log_id[] = "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d";

/* --- helpers ------------------------------------------------------------- */

static char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static char *b64(const void *p, size_t n)
{
	char *s = codec_b64_encode_alloc(p, n);
	assert_non_null(s);
	return s;
}

static uint8_t *unb64(const char *s, size_t *n)
{
	uint8_t *out = NULL;
	assert_int_equal(codec_b64_decode_alloc(s, strlen(s), 1 << 20, &out, n), CAIRN_OK);
	return out;
}

static void digest(const EVP_MD *md, const void *p, size_t n, uint8_t *out, size_t *outlen)
{
	unsigned int len = 0;
	assert_int_equal(EVP_Digest(p, n, out, &len, md, NULL), 1);
	*outlen = len;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t d[64];
	size_t len;
	digest(EVP_sha256(), p, n, d, &len);
	codec_hex_encode(d, len, out);
}

static EVP_PKEY *gen_ec(const char *curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	assert_non_null(k);
	return k;
}

static EVP_PKEY *gen_rsa(size_t bits)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
	assert_non_null(k);
	return k;
}

static EVP_PKEY *gen_ed25519(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	return k;
}

static char *bio_string(BIO *b)
{
	char *data = NULL, *out;
	long n = BIO_get_mem_data(b, &data);

	assert_true(n > 0);
	out = malloc((size_t)n + 1);
	assert_non_null(out);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

/* OpenSSL's own PEM writers: 64-column lines, as Go's pem.Encode. */
static char *pubkey_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
	return bio_string(b);
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	return bio_string(b);
}

/* A PEM of der with lines of `width` base64 characters and CRLF endings:
 * accepted on input, never canonical. */
static char *odd_pem(const char *label, const uint8_t *der, size_t len, size_t width)
{
	char *all = b64(der, len), *out;
	size_t n = strlen(all), o = 0;

	out = malloc(n + n / width * 2 + 128);
	assert_non_null(out);
	o += (size_t)sprintf(out, "  \n-----BEGIN %s-----\r\n", label);
	for (size_t i = 0; i < n; i += width) {
		size_t c = n - i < width ? n - i : width;
		memcpy(out + o, all + i, c);
		o += c;
		out[o++] = '\r';
		out[o++] = '\n';
	}
	o += (size_t)sprintf(out + o, "-----END %s-----\n\n", label);
	free(all);
	return out;
}

static void add_gen(GENERAL_NAMES *gens, int type, const char *value)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	assert_non_null(g);
	assert_non_null(s);
	assert_int_equal(ASN1_STRING_set(s, value, -1), 1);
	GENERAL_NAME_set0_value(g, type, s);
	assert_true(sk_GENERAL_NAME_push(gens, g) > 0);
}

static void add_ip(GENERAL_NAMES *gens, const char *text)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_OCTET_STRING *ip = a2i_IPADDRESS(text);

	assert_non_null(g);
	assert_non_null(ip);
	GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
	assert_true(sk_GENERAL_NAME_push(gens, g) > 0);
}

static void add_othername(GENERAL_NAMES *gens, const char *oid, const char *value)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_TYPE *t = ASN1_TYPE_new();
	ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();

	assert_non_null(g);
	assert_non_null(o);
	assert_non_null(t);
	assert_non_null(u);
	assert_int_equal(ASN1_STRING_set(u, value, -1), 1);
	ASN1_TYPE_set(t, V_ASN1_UTF8STRING, u);
	assert_int_equal(GENERAL_NAME_set0_othername(g, o, t), 1);
	assert_true(sk_GENERAL_NAME_push(gens, g) > 0);
}

/* A self-signed certificate for k, with Fulcio-like SANs when sans is set,
 * and an opaque extension of `big` bytes when big > 0. */
static X509 *make_cert(EVP_PKEY *k, int sans, size_t big)
{
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 600));
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                                            (const unsigned char *)"cairn test", -1, -1, 0),
	                 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	assert_int_equal(X509_set_pubkey(x, k), 1);
	if (sans) {
		GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
		assert_non_null(gens);
		/* Deliberately out of Go's order and in mixed case. */
		add_gen(gens, GEN_URI,
		        "https://GitHub.com/Org/Repo/.github/workflows/Rel.yml@refs/heads/main");
		add_gen(gens, GEN_EMAIL, "Alice@Example.COM");
		add_ip(gens, "2001:db8:0:0:1:0:0:1");
		add_gen(gens, GEN_DNS, "Build.Example.org");
		add_ip(gens, "192.0.2.7");
		add_ip(gens, "::ffff:10.0.0.1");
		add_othername(gens, "1.3.6.1.4.1.57264.1.7", "Alice!Example");
		assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT), 1);
		GENERAL_NAMES_free(gens);
	}
	if (big) {
		ASN1_OBJECT *o = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
		ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
		uint8_t *buf = calloc(1, big);
		X509_EXTENSION *ext;
		assert_non_null(o);
		assert_non_null(data);
		assert_non_null(buf);
		assert_int_equal(ASN1_OCTET_STRING_set(data, buf, (int)big), 1);
		ext = X509_EXTENSION_create_by_OBJ(NULL, o, 0, data);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(data);
		ASN1_OBJECT_free(o);
		free(buf);
	}
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	return x;
}

/* Signs a precomputed digest: ECDSA (DER) or RSA PKCS#1 v1.5. */
static uint8_t *sign_digest(EVP_PKEY *k, const EVP_MD *md, const uint8_t *d, size_t dlen, size_t *siglen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	uint8_t *sig;
	size_t n = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	if (EVP_PKEY_is_a(k, "RSA"))
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, NULL, &n, d, dlen), 1);
	sig = malloc(n);
	assert_non_null(sig);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &n, d, dlen), 1);
	EVP_PKEY_CTX_free(ctx);
	*siglen = n;
	return sig;
}

/* Signs a message with md (NULL for pure Ed25519). */
static uint8_t *sign_msg(EVP_PKEY *k, const EVP_MD *md, const void *m, size_t mlen, size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t *sig;
	size_t n = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, NULL, &n, m, mlen), 1);
	sig = malloc(n);
	assert_non_null(sig);
	assert_int_equal(EVP_DigestSign(ctx, sig, &n, m, mlen), 1);
	EVP_MD_CTX_free(ctx);
	*siglen = n;
	return sig;
}

/* SHA256(0x00 || data), computed here rather than by merkle.c. */
static void expected_leaf(const char *data, size_t len, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const uint8_t zero = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, &zero, 1), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, data, len), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, NULL), 1);
	EVP_MD_CTX_free(ctx);
}

static entry *parse_ok(const char *json)
{
	entry *e = NULL;
	char err[256] = "";
	int rc = entry_from_proposed(json, strlen(json), &e, err, sizeof(err));
	uint8_t leaf[32];

	if (rc != CAIRN_OK)
		fail_msg("entry_from_proposed: %s (%s)", cairn_strerror(rc), err);
	assert_non_null(e);
	assert_true(e->verified);
	assert_int_equal(e->canonical[e->canonical_len], '\0');
	assert_int_equal(strlen(e->canonical), e->canonical_len);
	expected_leaf(e->canonical, e->canonical_len, leaf);
	assert_memory_equal(e->leaf, leaf, 32);
	return e;
}

static void assert_canonical(const entry *e, const char *want)
{
	if (e->canonical_len != strlen(want) || memcmp(e->canonical, want, e->canonical_len) != 0)
		fail_msg("canonical\n got %s\nwant %s", e->canonical, want);
}

/* Expects failure code with a message containing msg (when not NULL). */
static void expect_fail_len(const char *json, size_t len, int code, const char *msg)
{
	entry *e = (entry *)(uintptr_t)0x1;
	char err[512];
	int rc;

	memset(err, 'x', sizeof(err));
	rc = entry_from_proposed(json, len, &e, err, sizeof(err));
	if (rc != code)
		fail_msg("got %s, want %s (%s) for %.200s", cairn_strerror(rc), cairn_strerror(code),
		         rc ? err : "", json);
	/* The out-parameter is untouched and the reason is one NUL-terminated line. */
	assert_ptr_equal(e, (entry *)(uintptr_t)0x1);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	assert_true(strlen(err) > 0);
	for (const char *p = err; *p; p++)
		assert_true(*p >= 0x20 && *p <= 0x7e);
	if (msg && !strstr(err, msg))
		fail_msg("message \"%s\" lacks \"%s\"", err, msg);
}

static void expect_fail(const char *json, int code, const char *msg)
{
	expect_fail_len(json, strlen(json), code, msg);
}

static int has_key(const entry *e, entry_index_kind kind, const char *value)
{
	for (size_t i = 0; i < e->nkeys; i++) {
		if (e->keys[i].kind == kind && strcmp(e->keys[i].value, value) == 0 &&
		    e->keys[i].len == strlen(value))
			return 1;
	}
	return 0;
}

static void assert_key(const entry *e, entry_index_kind kind, const char *value)
{
	if (!has_key(e, kind, value)) {
		for (size_t i = 0; i < e->nkeys; i++)
			print_message("  key[%zu] %d %s\n", i, e->keys[i].kind, e->keys[i].value);
		fail_msg("missing index key %d %s", kind, value);
	}
}

/* --- hashedrekord fixtures ----------------------------------------------- */

/* A proposed hashedrekord as sigstore-js's toProposedHashedRekordEntry and
 * cosign send it (member order as there; JSON order is irrelevant anyway). */
static char *hr_json(const char *alg, const char *hexv, const char *sig64, const char *pem64)
{
	return xasprintf("{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{\"data\":"
	                 "{\"hash\":{\"algorithm\":\"%s\",\"value\":\"%s\"}},\"signature\":{"
	                 "\"content\":\"%s\",\"publicKey\":{\"content\":\"%s\"}}}}",
	                 alg, hexv, sig64, pem64);
}

/* The body Rekor logs for it, written out by hand in RFC 8785 member order. */
static char *hr_canonical(const char *alg, const char *hexv, const char *sig64, const char *pem64)
{
	return xasprintf("{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{\"data\":"
	                 "{\"hash\":{\"algorithm\":\"%s\",\"value\":\"%s\"}},\"signature\":{"
	                 "\"content\":\"%s\",\"publicKey\":{\"content\":\"%s\"}}}}",
	                 alg, hexv, sig64, pem64);
}

typedef struct hr {
	char hex[129];
	char *sig64;
	char *pem64;
	char *json;
	char *want;
} hr;

static const char artifact[] = "cairn artifact\n";

/* Signs the artifact's digest with k and builds the proposal around pem. */
static void hr_make(hr *h, EVP_PKEY *k, const char *pem, const EVP_MD *md, const char *alg)
{
	uint8_t d[64];
	size_t dlen, siglen;
	uint8_t *sig;

	digest(md, artifact, sizeof(artifact) - 1, d, &dlen);
	codec_hex_encode(d, dlen, h->hex);
	sig = sign_digest(k, md, d, dlen, &siglen);
	h->sig64 = b64(sig, siglen);
	h->pem64 = b64(pem, strlen(pem));
	h->json = hr_json(alg, h->hex, h->sig64, h->pem64);
	h->want = hr_canonical(alg, h->hex, h->sig64, h->pem64);
	free(sig);
}

static void hr_free(hr *h)
{
	free(h->sig64);
	free(h->pem64);
	free(h->json);
	free(h->want);
}

/* --- hashedrekord -------------------------------------------------------- */

static void check_hr_key(EVP_PKEY *k, const EVP_MD *md, const char *alg)
{
	char *pem = pubkey_pem(k), keyhash[65], hashkey[140], idx[65];
	hr h;
	entry *e;

	hr_make(&h, k, pem, md, alg);
	e = parse_ok(h.json);
	assert_canonical(e, h.want);
	assert_string_equal(e->kind, "hashedrekord");
	assert_string_equal(e->version, "0.0.1");
	/* Rekor's IndexKeys: sha256 of the canonical PEM, and "<alg>:<hex>". */
	sha256_hex(pem, strlen(pem), keyhash);
	snprintf(hashkey, sizeof(hashkey), "%s:%s", alg, h.hex);
	assert_int_equal(e->nkeys, 2);
	assert_key(e, ENTRY_INDEX_KEY, keyhash);
	assert_key(e, ENTRY_INDEX_HASH, hashkey);
	assert_int_equal(e->keys_dropped, 0);
	assert_int_equal(entry_key_index(pem, strlen(pem), idx), CAIRN_OK);
	assert_string_equal(idx, keyhash);
	entry_free(e);
	hr_free(&h);
	free(pem);
}

static void test_hr_ecdsa_p256(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	check_hr_key(k, EVP_sha256(), "sha256");
	EVP_PKEY_free(k);
}

static void test_hr_ecdsa_p384(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-384");
	check_hr_key(k, EVP_sha384(), "sha384");
	/* Rekor's ECDSA verifier takes any of the three digests with any curve. */
	check_hr_key(k, EVP_sha256(), "sha256");
	EVP_PKEY_free(k);
}

static void test_hr_rsa(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_rsa(2048);
	check_hr_key(k, EVP_sha256(), "sha256");
	check_hr_key(k, EVP_sha512(), "sha512");
	EVP_PKEY_free(k);
}

/* A raw r||s ECDSA signature is accepted and logged as given. */
static void test_hr_ecdsa_raw_rs(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), hexv[65], *sig64, *pem64, *json, *want;
	uint8_t d[32], *der, rs[64];
	size_t dlen, derlen;
	const uint8_t *p;
	ECDSA_SIG *es;
	entry *e;

	digest(EVP_sha256(), artifact, sizeof(artifact) - 1, d, &dlen);
	codec_hex_encode(d, dlen, hexv);
	der = sign_digest(k, EVP_sha256(), d, dlen, &derlen);
	p = der;
	es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	assert_non_null(es);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32), 32);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32), 32);
	sig64 = b64(rs, 64);
	pem64 = b64(pem, strlen(pem));
	json = hr_json("sha256", hexv, sig64, pem64);
	want = hr_canonical("sha256", hexv, sig64, pem64);
	e = parse_ok(json);
	assert_canonical(e, want);
	entry_free(e);
	ECDSA_SIG_free(es);
	free(der);
	free(sig64);
	free(pem64);
	free(json);
	free(want);
	free(pem);
	EVP_PKEY_free(k);
}

/* A certificate is kept as a certificate PEM (Rekor's CanonicalValue); the
 * key hash is over that PEM; its SANs become lowercased index keys in the
 * order of sigstore's GetSubjectAlternateNames. */
static void test_hr_certificate(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	X509 *x = make_cert(k, 1, 0);
	char *pem = cert_pem(x), keyhash[65], idx[65];
	static const char *const sans[] = {
	    "build.example.org", "alice@example.com",
	    "2001:db8::1:0:0:1", "192.0.2.7",
	    "10.0.0.1",          "https://github.com/org/repo/.github/workflows/rel.yml@refs/heads/main",
	    "alice!example",
	};
	hr h;
	entry *e;

	hr_make(&h, k, pem, EVP_sha256(), "sha256");
	e = parse_ok(h.json);
	assert_canonical(e, h.want);
	sha256_hex(pem, strlen(pem), keyhash);
	/* key hash, 7 SANs, artifact digest: in that order. */
	assert_int_equal(e->nkeys, 9);
	assert_string_equal(e->keys[0].value, keyhash);
	assert_int_equal(e->keys[0].kind, ENTRY_INDEX_KEY);
	/* DNS, email, IPs (in certificate order), URI, OtherName. */
	assert_string_equal(e->keys[1].value, sans[0]);
	assert_string_equal(e->keys[2].value, sans[1]);
	assert_string_equal(e->keys[3].value, sans[2]);
	assert_string_equal(e->keys[4].value, sans[3]);
	assert_string_equal(e->keys[5].value, sans[4]);
	assert_string_equal(e->keys[6].value, sans[5]);
	assert_string_equal(e->keys[7].value, sans[6]);
	for (size_t i = 1; i <= 7; i++)
		assert_int_equal(e->keys[i].kind, ENTRY_INDEX_KEY);
	assert_int_equal(e->keys[8].kind, ENTRY_INDEX_HASH);
	assert_int_equal(entry_key_index(pem, strlen(pem), idx), CAIRN_OK);
	assert_string_equal(idx, keyhash);
	entry_free(e);
	hr_free(&h);
	free(pem);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* Input PEMs with CRLF, 76-column lines and surrounding blank lines, and
 * upper-case hex, are re-encoded: the body is the same as for clean input. */
static void test_hr_reencoded(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	X509 *x = make_cert(k, 0, 0);
	char *kpem = pubkey_pem(k), *cpem = cert_pem(x), *odd, *odd64, *json, upper[65];
	uint8_t *der = NULL;
	int n;
	hr h;
	entry *e;

	/* A bare key. */
	hr_make(&h, k, kpem, EVP_sha256(), "sha256");
	n = i2d_PUBKEY(k, &der);
	assert_true(n > 0);
	odd = odd_pem("PUBLIC KEY", der, (size_t)n, 76);
	odd64 = b64(odd, strlen(odd));
	for (size_t i = 0; i < 65; i++)
		upper[i] = (h.hex[i] >= 'a' && h.hex[i] <= 'f') ? (char)(h.hex[i] - 32) : h.hex[i];
	json = hr_json("sha256", upper, h.sig64, odd64);
	e = parse_ok(json);
	assert_canonical(e, h.want);
	entry_free(e);
	free(json);
	free(odd);
	free(odd64);
	OPENSSL_free(der);
	der = NULL;
	hr_free(&h);

	/* A certificate. */
	hr_make(&h, k, cpem, EVP_sha256(), "sha256");
	n = i2d_X509(x, &der);
	assert_true(n > 0);
	odd = odd_pem("CERTIFICATE", der, (size_t)n, 40);
	odd64 = b64(odd, strlen(odd));
	json = hr_json("sha256", h.hex, h.sig64, odd64);
	e = parse_ok(json);
	assert_canonical(e, h.want);
	entry_free(e);
	free(json);
	free(odd);
	free(odd64);
	OPENSSL_free(der);
	hr_free(&h);

	free(kpem);
	free(cpem);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* The canonical body is itself a valid proposed entry with the same body. */
static void test_hr_idempotent(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_rsa(2048);
	X509 *x = make_cert(k, 1, 0);
	char *pem = cert_pem(x);
	hr h;
	entry *e, *e2;
	json_t *v;
	json_error_t jerr;

	hr_make(&h, k, pem, EVP_sha384(), "sha384");
	e = parse_ok(h.json);
	e2 = parse_ok(e->canonical);
	assert_int_equal(e2->canonical_len, e->canonical_len);
	assert_memory_equal(e2->canonical, e->canonical, e->canonical_len);
	assert_memory_equal(e2->leaf, e->leaf, 32);
	entry_free(e2);
	/* The same through entry_from_json and entry_lookup_from_json. */
	v = json_loads(h.json, 0, &jerr);
	assert_non_null(v);
	assert_int_equal(entry_from_json(v, &e2, NULL, 0), CAIRN_OK);
	assert_memory_equal(e2->leaf, e->leaf, 32);
	assert_true(e2->verified);
	entry_free(e2);
	assert_int_equal(entry_lookup_from_json(v, &e2, NULL, 0), CAIRN_OK);
	assert_memory_equal(e2->leaf, e->leaf, 32);
	assert_true(e2->verified);
	entry_free(e2);
	json_decref(v);
	entry_free(e);
	hr_free(&h);
	free(pem);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* Rekor ignores members it does not know; they never reach the body. */
static void test_hr_unknown_members_ignored(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), *json;
	hr h;
	entry *e;

	hr_make(&h, k, pem, EVP_sha256(), "sha256");
	json = xasprintf("{\"extra\":[1,{\"x\":null}],\"apiVersion\":\"0.0.1\",\"kind\":"
	                 "\"hashedrekord\",\"spec\":{\"data\":{\"hash\":{\"algorithm\":\"sha256\","
	                 "\"value\":\"%s\",\"note\":1},\"url\":\"http://x\"},\"signature\":{"
	                 "\"format\":\"x509\",\"content\":\"%s\",\"publicKey\":{\"content\":\"%s\"}}}}",
	                 h.hex, h.sig64, h.pem64);
	e = parse_ok(json);
	assert_canonical(e, h.want);
	entry_free(e);
	free(json);
	hr_free(&h);
	free(pem);
	EVP_PKEY_free(k);
}

/* Forgeries: a signature over another digest, by another key, truncated. */
static void test_hr_forgeries(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256"), *other = gen_ec("P-256"), *rsa = gen_rsa(2048);
	char *pem = pubkey_pem(k), *opem = pubkey_pem(other), *rpem = pubkey_pem(rsa), *json, *opem64,
	     *rpem64, *sig64, hexv[65];
	uint8_t d[32], *sig, *raw;
	size_t dlen, siglen, rawlen;
	hr h;

	hr_make(&h, k, pem, EVP_sha256(), "sha256");
	/* The same signature presented for another artifact. */
	digest(EVP_sha256(), "other", 5, d, &dlen);
	codec_hex_encode(d, dlen, hexv);
	json = hr_json("sha256", hexv, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_VERIFY, "signature verification failed");
	free(json);
	/* Another key. */
	opem64 = b64(opem, strlen(opem));
	json = hr_json("sha256", h.hex, h.sig64, opem64);
	expect_fail(json, CAIRN_ERR_VERIFY, "signature verification failed");
	free(json);
	/* A signature with a flipped bit. */
	raw = unb64(h.sig64, &rawlen);
	raw[rawlen - 1] ^= 1;
	sig64 = b64(raw, rawlen);
	json = hr_json("sha256", h.hex, sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_VERIFY, NULL);
	free(json);
	free(sig64);
	free(raw);
	/* RSA: a signature made with SHA-256 claimed as a SHA-512 digest of the
	 * same length is refused by length; a SHA-512 digest signed with SHA-256
	 * framing fails verification. */
	{
		uint8_t d512[64];
		char hex512[129];
		size_t n;
		digest(EVP_sha512(), artifact, sizeof(artifact) - 1, d512, &n);
		codec_hex_encode(d512, n, hex512);
		sig = sign_digest(rsa, EVP_sha256(), d512, 32, &siglen);
		sig64 = b64(sig, siglen);
		rpem64 = b64(rpem, strlen(rpem));
		json = hr_json("sha512", hex512, sig64, rpem64);
		expect_fail(json, CAIRN_ERR_VERIFY, "signature verification failed");
		free(json);
		free(sig64);
		free(rpem64);
		free(sig);
	}
	free(opem64);
	hr_free(&h);
	free(pem);
	free(opem);
	free(rpem);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	EVP_PKEY_free(rsa);
}

static void test_hr_bad_hash(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), *json, bad[140];
	hr h;

	hr_make(&h, k, pem, EVP_sha256(), "sha256");
	/* Too short, too long, not hex, sha384 with 64 digits. */
	snprintf(bad, sizeof(bad), "%.62s", h.hex);
	json = hr_json("sha256", bad, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_INVALID, "hash value must be 64 hex digits for sha256");
	free(json);
	snprintf(bad, sizeof(bad), "%s00", h.hex);
	json = hr_json("sha256", bad, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_INVALID, "hash value must be 64 hex digits for sha256");
	free(json);
	snprintf(bad, sizeof(bad), "%s", h.hex);
	bad[10] = 'g';
	json = hr_json("sha256", bad, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_INVALID, "hash value must be 64 hex digits for sha256");
	free(json);
	json = hr_json("sha384", h.hex, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_INVALID, "hash value must be 96 hex digits for sha384");
	free(json);
	json = hr_json("sha512", h.hex, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_INVALID, "128 hex digits for sha512");
	free(json);
	/* Algorithms Rekor's schema does not list (its enum is case-sensitive). */
	json = hr_json("md5", h.hex, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_UNSUPPORTED, "unsupported hash algorithm \"md5\"");
	free(json);
	json = hr_json("SHA256", h.hex, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_UNSUPPORTED, "\"SHA256\"");
	free(json);
	hr_free(&h);
	free(pem);
	EVP_PKEY_free(k);
}

static void test_hr_bad_encodings_and_keys(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256"), *small = gen_rsa(1024), *k1 = gen_ec("secp256k1");
	char *pem = pubkey_pem(k), *spem = pubkey_pem(small), *k1pem = pubkey_pem(k1), *json, *x64;
	hr h;

	hr_make(&h, k, pem, EVP_sha256(), "sha256");
	json = hr_json("sha256", h.hex, "not base64!", h.pem64);
	expect_fail(json, CAIRN_ERR_INVALID, "spec.signature.content is not valid base64");
	free(json);
	json = hr_json("sha256", h.hex, "", h.pem64);
	expect_fail(json, CAIRN_ERR_INVALID, "spec.signature.content is empty");
	free(json);
	json = hr_json("sha256", h.hex, h.sig64, "QUJD=");
	expect_fail(json, CAIRN_ERR_INVALID, "spec.signature.publicKey.content is not valid base64");
	free(json);
	x64 = b64("hello", 5);
	json = hr_json("sha256", h.hex, h.sig64, x64);
	expect_fail(json, CAIRN_ERR_INVALID, "not a valid PEM public key or certificate");
	free(json);
	free(x64);
	/* Two PEM blocks (a chain): refused, not silently cut. */
	{
		char *two = xasprintf("%s%s", pem, pem);
		x64 = b64(two, strlen(two));
		json = hr_json("sha256", h.hex, h.sig64, x64);
		expect_fail(json, CAIRN_ERR_INVALID, NULL);
		free(json);
		free(x64);
		free(two);
	}
	x64 = b64(spem, strlen(spem));
	json = hr_json("sha256", h.hex, h.sig64, x64);
	expect_fail(json, CAIRN_ERR_UNSUPPORTED, "unsupported key type");
	free(json);
	free(x64);
	x64 = b64(k1pem, strlen(k1pem));
	json = hr_json("sha256", h.hex, h.sig64, x64);
	expect_fail(json, CAIRN_ERR_UNSUPPORTED, "unsupported key type");
	free(json);
	free(x64);
	/* A signature longer than any supported key makes. */
	{
		uint8_t big[ENTRY_MAX_SIGNATURE + 3];
		memset(big, 1, sizeof(big));
		x64 = b64(big, sizeof(big));
		json = hr_json("sha256", h.hex, x64, h.pem64);
		expect_fail(json, CAIRN_ERR_INVALID, "decodes to more than");
		free(json);
		free(x64);
	}
	hr_free(&h);
	free(pem);
	free(spem);
	free(k1pem);
	EVP_PKEY_free(k);
	EVP_PKEY_free(small);
	EVP_PKEY_free(k1);
}

/* Rekor checks Ed25519 hashedrekord signatures as Ed25519ph (SHA-512
 * prehash), which OpenSSL 3.0 cannot do: refused, clearly. */
static void test_hr_ed25519_unsupported(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ed25519();
	char *pem = pubkey_pem(k), *pem64 = b64(pem, strlen(pem)), *sig64, *json, hexv[129];
	uint8_t d[64], *sig;
	size_t dlen, siglen;

	digest(EVP_sha512(), artifact, sizeof(artifact) - 1, d, &dlen);
	codec_hex_encode(d, dlen, hexv);
	sig = sign_msg(k, NULL, artifact, sizeof(artifact) - 1, &siglen);
	sig64 = b64(sig, siglen);
	json = hr_json("sha512", hexv, sig64, pem64);
	expect_fail(json, CAIRN_ERR_UNSUPPORTED, "Ed25519");
	free(json);
	free(sig64);
	free(sig);
	free(pem64);
	free(pem);
	EVP_PKEY_free(k);
}

static void test_unsupported_kinds(void **state)
{
	(void)state;
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"rekord\",\"spec\":{}}", CAIRN_ERR_UNSUPPORTED,
	            "unsupported entry kind \"rekord\"");
	expect_fail("{\"apiVersion\":\"0.0.2\",\"kind\":\"intoto\",\"spec\":{}}", CAIRN_ERR_UNSUPPORTED,
	            "unsupported entry kind \"intoto\"");
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"\",\"spec\":{}}", CAIRN_ERR_UNSUPPORTED,
	            "unsupported entry kind \"\"");
	/* Client text is quoted safely and briefly. */
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"a\\\"b\\nc0123456789012345678901234567890123"
	            "456789\",\"spec\":{}}",
	            CAIRN_ERR_UNSUPPORTED, "\"a?b?c012345678901234567890123456...\"");
	expect_fail("{\"apiVersion\":\"0.0.2\",\"kind\":\"hashedrekord\",\"spec\":{}}", CAIRN_ERR_UNSUPPORTED,
	            "unsupported hashedrekord apiVersion \"0.0.2\"");
	expect_fail("{\"apiVersion\":\"0.0.1 \",\"kind\":\"dsse\",\"spec\":{}}", CAIRN_ERR_UNSUPPORTED,
	            "unsupported dsse apiVersion \"0.0.1 \"");
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"Hashedrekord\",\"spec\":{}}", CAIRN_ERR_UNSUPPORTED,
	            "\"Hashedrekord\"");
}

static void test_schema_errors(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), *json;
	hr h;
	static const struct {
		const char *fmt;
		const char *msg;
	} cases[] = {
	    {"[1,2]", "a proposed entry must be a JSON object"},
	    {"\"hashedrekord\"", "a proposed entry must be a JSON object"},
	    {"{\"apiVersion\":\"0.0.1\",\"spec\":{}}", "missing kind"},
	    {"{\"apiVersion\":\"0.0.1\",\"kind\":7,\"spec\":{}}", "kind must be a string"},
	    {"{\"kind\":\"hashedrekord\",\"spec\":{}}", "missing apiVersion"},
	    {"{\"apiVersion\":1,\"kind\":\"hashedrekord\",\"spec\":{}}", "apiVersion must be a string"},
	    {"{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\"}", "missing spec"},
	    {"{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":[]}", "spec must be an object"},
	    {"{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{}}", "missing spec.signature"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_fail(cases[i].fmt, CAIRN_ERR_SCHEMA, cases[i].msg);

	hr_make(&h, k, pem, EVP_sha256(), "sha256");
#define HR_SPEC(...) xasprintf("{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":" __VA_ARGS__)
	json = HR_SPEC("{\"signature\":{\"content\":\"%s\",\"publicKey\":{\"content\":\"%s\"}}}}", h.sig64,
	               h.pem64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "missing spec.data");
	free(json);
	json = HR_SPEC("{\"data\":{},\"signature\":{\"content\":\"%s\",\"publicKey\":{\"content\":"
	               "\"%s\"}}}}",
	               h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "missing spec.data.hash");
	free(json);
	json = HR_SPEC("{\"data\":{\"hash\":{\"value\":\"%s\"}},\"signature\":{\"content\":\"%s\","
	               "\"publicKey\":{\"content\":\"%s\"}}}}",
	               h.hex, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "missing spec.data.hash.algorithm");
	free(json);
	json = HR_SPEC("{\"data\":{\"hash\":{\"algorithm\":\"sha256\"}},\"signature\":{\"content\":"
	               "\"%s\",\"publicKey\":{\"content\":\"%s\"}}}}",
	               h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "missing spec.data.hash.value");
	free(json);
	json = HR_SPEC("{\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":12}},\"signature\":{"
	               "\"content\":\"%s\",\"publicKey\":{\"content\":\"%s\"}}}}",
	               h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "spec.data.hash.value must be a string");
	free(json);
	json = HR_SPEC("{\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":\"%s\"}},"
	               "\"signature\":{\"publicKey\":{\"content\":\"%s\"}}}}",
	               h.hex, h.pem64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "missing spec.signature.content");
	free(json);
	json = HR_SPEC("{\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":\"%s\"}},"
	               "\"signature\":{\"content\":\"%s\"}}}",
	               h.hex, h.sig64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "missing spec.signature.publicKey");
	free(json);
	json = HR_SPEC("{\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":\"%s\"}},"
	               "\"signature\":{\"content\":\"%s\",\"publicKey\":\"%s\"}}}",
	               h.hex, h.sig64, h.pem64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "spec.signature.publicKey must be an object");
	free(json);
	json = HR_SPEC("{\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":\"%s\"}},"
	               "\"signature\":{\"content\":\"%s\",\"publicKey\":{\"content\":null}}}}",
	               h.hex, h.sig64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "spec.signature.publicKey.content must be a string");
	free(json);
	/* Shape is checked before content: a missing member wins over bad hex. */
	json = HR_SPEC("{\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":\"zz\"}},"
	               "\"signature\":{\"content\":\"%s\"}}}",
	               h.sig64);
	expect_fail(json, CAIRN_ERR_SCHEMA, "missing spec.signature.publicKey");
	free(json);
#undef HR_SPEC
	hr_free(&h);
	free(pem);
	EVP_PKEY_free(k);
}

static void test_malformed_json(void **state)
{
	(void)state;
	static const char nul[] = "{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\"\0,\"spec\":{}}";

	expect_fail("", CAIRN_ERR_INVALID, "not valid JSON");
	expect_fail("{", CAIRN_ERR_INVALID, "not valid JSON");
	expect_fail("{\"kind\":\"dsse\"} x", CAIRN_ERR_INVALID, "not valid JSON");
	expect_fail("{\"kind\":\"dsse\",}", CAIRN_ERR_INVALID, "not valid JSON");
	expect_fail("{'kind':'dsse'}", CAIRN_ERR_INVALID, "not valid JSON");
	/* Duplicate keys, at the top and nested. */
	expect_fail("{\"kind\":\"dsse\",\"kind\":\"hashedrekord\",\"apiVersion\":\"0.0.1\","
	            "\"spec\":{}}",
	            CAIRN_ERR_INVALID, "duplicate");
	expect_fail("{\"kind\":\"hashedrekord\",\"apiVersion\":\"0.0.1\",\"spec\":{\"data\":{},"
	            "\"data\":{}}}",
	            CAIRN_ERR_INVALID, "duplicate");
	/* Invalid UTF-8: a lone continuation byte, an overlong form, a surrogate. */
	expect_fail("{\"kind\":\"hashedrekord\x80\",\"apiVersion\":\"0.0.1\",\"spec\":{}}", CAIRN_ERR_INVALID,
	            NULL);
	expect_fail("{\"kind\":\"\xc0\xaf\",\"apiVersion\":\"0.0.1\",\"spec\":{}}", CAIRN_ERR_INVALID, NULL);
	expect_fail("{\"kind\":\"\xed\xa0\x80\",\"apiVersion\":\"0.0.1\",\"spec\":{}}", CAIRN_ERR_INVALID,
	            NULL);
	/* jansson quotes the offending bytes; the reason must stay printable
	 * ASCII (it goes into a JSON error body). A BOM, invalid UTF-8 after a
	 * complete value, a control character. */
	expect_fail("\xef\xbb\xbf{\"kind\":\"dsse\"}", CAIRN_ERR_INVALID, "not valid JSON");
	expect_fail("{\"kind\":\"dsse\"}\xff\xfe", CAIRN_ERR_INVALID, "not valid JSON");
	expect_fail("{\"kind\":\"a\x01\"}", CAIRN_ERR_INVALID, "control character");
	/* NUL, raw and escaped. */
	expect_fail_len(nul, sizeof(nul) - 1, CAIRN_ERR_INVALID, NULL);
	expect_fail("{\"kind\":\"dsse\\u0000\",\"apiVersion\":\"0.0.1\",\"spec\":{}}", CAIRN_ERR_INVALID,
	            NULL);
}

/* Builds a valid hashedrekord proposal with an ignored member nested so
 * that the deepest container sits at level depth. */
static char *nested_entry(const hr *h, size_t depth)
{
	size_t extra = depth - 1; /* the entry object itself is level 1 */
	char *open = malloc(extra + 1), *close = malloc(extra + 1), *json;

	assert_non_null(open);
	assert_non_null(close);
	memset(open, '[', extra);
	memset(close, ']', extra);
	open[extra] = close[extra] = '\0';
	json = xasprintf("{\"deep\":%s%s,\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\","
	                 "\"spec\":{\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":\"%s\"}},"
	                 "\"signature\":{\"content\":\"%s\",\"publicKey\":{\"content\":\"%s\"}}}}",
	                 open, close, h->hex, h->sig64, h->pem64);
	free(open);
	free(close);
	return json;
}

static void test_depth_and_size_caps(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), *json, *big;
	json_t *v, *inner;
	json_error_t jerr;
	entry *e;
	hr h;

	hr_make(&h, k, pem, EVP_sha256(), "sha256");
	json = nested_entry(&h, ENTRY_MAX_DEPTH);
	e = parse_ok(json);
	assert_canonical(e, h.want);
	entry_free(e);
	free(json);
	json = nested_entry(&h, ENTRY_MAX_DEPTH + 1);
	expect_fail(json, CAIRN_ERR_INVALID, "too deeply nested");
	/* A built value is checked too (no text to scan there). */
	v = json_loads(json, 0, &jerr);
	assert_non_null(v);
	assert_int_equal(entry_from_json(v, &e, NULL, 0), CAIRN_ERR_INVALID);
	json_decref(v);
	free(json);
	/* Brackets inside strings do not count. */
	big = malloc(4001);
	assert_non_null(big);
	memset(big, '[', 4000);
	big[4000] = '\0';
	json = xasprintf("{\"s\":\"%s\",\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":"
	                 "{\"data\":{\"hash\":{\"algorithm\":\"sha256\",\"value\":\"%s\"}},"
	                 "\"signature\":{\"content\":\"%s\",\"publicKey\":{\"content\":\"%s\"}}}}",
	                 big, h.hex, h.sig64, h.pem64);
	e = parse_ok(json);
	entry_free(e);
	free(json);
	free(big);
	/* Far deeper than jansson's own limit: refused before parsing. */
	big = malloc(100001);
	assert_non_null(big);
	memset(big, '[', 100000);
	big[100000] = '\0';
	expect_fail(big, CAIRN_ERR_INVALID, "too deeply nested");
	free(big);
	/* A built value deeper than the cap, whatever jansson allows. */
	v = json_object();
	inner = v;
	for (int i = 0; i < 40; i++) {
		json_t *n = json_object();
		assert_int_equal(json_object_set_new(inner, "a", n), 0);
		inner = n;
	}
	assert_int_equal(json_object_set_new(v, "kind", json_string("hashedrekord")), 0);
	assert_int_equal(entry_from_json(v, &e, NULL, 0), CAIRN_ERR_INVALID);
	json_decref(v);

	/* Input over ENTRY_MAX_INPUT, even if otherwise valid. */
	big = malloc(ENTRY_MAX_INPUT + 2);
	assert_non_null(big);
	memset(big, ' ', ENTRY_MAX_INPUT + 1);
	big[ENTRY_MAX_INPUT + 1] = '\0';
	memcpy(big, h.json, strlen(h.json));
	expect_fail_len(big, ENTRY_MAX_INPUT + 1, CAIRN_ERR_TOO_LARGE, "over the");
	/* Exactly at the cap it is fine. */
	{
		char err[256];
		assert_int_equal(entry_from_proposed(big, ENTRY_MAX_INPUT, &e, err, sizeof(err)), CAIRN_OK);
		entry_free(e);
	}
	free(big);
	hr_free(&h);
	free(pem);
	EVP_PKEY_free(k);
}

/* A body over 65535 bytes cannot go in a tlog-tiles entry bundle. */
static void test_canonical_too_large(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	X509 *x = make_cert(k, 0, 40000);
	char *pem = cert_pem(x);
	hr h;

	hr_make(&h, k, pem, EVP_sha256(), "sha256");
	assert_true(strlen(h.json) <= ENTRY_MAX_INPUT);
	assert_true(strlen(h.want) > ENTRY_MAX_CANONICAL);
	expect_fail(h.json, CAIRN_ERR_TOO_LARGE, "65535");
	hr_free(&h);
	free(pem);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_err_buffer(void **state)
{
	(void)state;
	entry *e = NULL;
	char err[8];
	static const char j[] = "{\"apiVersion\":\"0.0.1\",\"kind\":\"rekord\",\"spec\":{}}";

	/* No buffer at all, a tiny one (truncated, terminated). */
	assert_int_equal(entry_from_proposed(j, strlen(j), &e, NULL, 0), CAIRN_ERR_UNSUPPORTED);
	assert_int_equal(entry_from_proposed(j, strlen(j), &e, err, sizeof(err)), CAIRN_ERR_UNSUPPORTED);
	assert_string_equal(err, "unsuppo");
	assert_null(e);
	assert_int_equal(entry_from_proposed(NULL, 5, &e, err, sizeof(err)), CAIRN_ERR_INVALID);
	assert_int_equal(entry_from_proposed(j, strlen(j), NULL, err, sizeof(err)), CAIRN_ERR_INVALID);
	assert_int_equal(entry_from_json(NULL, &e, NULL, 0), CAIRN_ERR_INVALID);
	entry_free(NULL);
	entry_hashedrekord_free(NULL);
}

/* --- dsse ---------------------------------------------------------------- */

/* DSSE PAE, written out here independently of entry.c. */
static uint8_t *pae(const char *type, const void *payload, size_t plen, size_t *len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "DSSEv1 %zu %s %zu ", strlen(type), type, plen);
	uint8_t *out = malloc((size_t)n + plen + 1);

	assert_non_null(out);
	memcpy(out, head, (size_t)n);
	memcpy(out + n, payload, plen);
	*len = (size_t)n + plen;
	return out;
}

/* A DSSE signature as cosign/sigstore-js make it: ECDSA and RSA over
 * SHA-256 of the PAE, Ed25519 pure. */
static char *dsse_sign(EVP_PKEY *k, const EVP_MD *md, const char *type, const void *payload, size_t plen)
{
	size_t n, siglen;
	uint8_t *m = pae(type, payload, plen, &n), *sig;
	char *s;

	sig = sign_msg(k, EVP_PKEY_is_a(k, "ED25519") ? NULL : md, m, n, &siglen);
	s = b64(sig, siglen);
	free(sig);
	free(m);
	return s;
}

/* The envelope JSON as sigstore-js's envelopeToJSON + JSON.stringify write it. */
static char *envelope(const char *type, const void *payload, size_t plen, char *const *sigs, size_t nsigs)
{
	char *p64 = b64(payload, plen), *list = xasprintf("%s", ""), *out;

	for (size_t i = 0; i < nsigs; i++) {
		char *l = xasprintf("%s%s{\"sig\":\"%s\",\"keyid\":\"\"}", list, i ? "," : "", sigs[i]);
		free(list);
		list = l;
	}
	out = xasprintf("{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":[%s]}", p64, type, list);
	free(p64);
	free(list);
	return out;
}

/* {"apiVersion":"0.0.1","kind":"dsse","spec":{"proposedContent":{...}}}
 * with the envelope as a JSON string and base64 PEM verifiers. */
static char *dsse_json(const char *env, char *const *pems, size_t npems)
{
	json_t *vers = json_array(), *root;
	char *out;

	assert_non_null(vers);
	for (size_t i = 0; i < npems; i++) {
		char *p64 = b64(pems[i], strlen(pems[i]));
		assert_int_equal(json_array_append_new(vers, json_string(p64)), 0);
		free(p64);
	}
	root = json_pack("{s:s, s:s, s:{s:{s:s, s:o}}}", "apiVersion", "0.0.1", "kind", "dsse", "spec",
	                 "proposedContent", "envelope", env, "verifiers", vers);
	assert_non_null(root);
	out = json_dumps(root, JSON_COMPACT);
	assert_non_null(out);
	json_decref(root);
	return out;
}

static char *dsse_canonical(const char *envhex, const char *payhex, char *const *sigs, char *const *pems,
                            size_t n)
{
	char *list = xasprintf("%s", ""), *out;

	for (size_t i = 0; i < n; i++) {
		char *p64 = b64(pems[i], strlen(pems[i]));
		char *l = xasprintf("%s%s{\"signature\":\"%s\",\"verifier\":\"%s\"}", list, i ? "," : "",
		                    sigs[i], p64);
		free(p64);
		free(list);
		list = l;
	}
	out = xasprintf("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"envelopeHash\":{"
	                "\"algorithm\":\"sha256\",\"value\":\"%s\"},\"payloadHash\":{\"algorithm\":"
	                "\"sha256\",\"value\":\"%s\"},\"signatures\":[%s]}}",
	                envhex, payhex, list);
	free(list);
	return out;
}

static const char payload_text[] = "{\"hello\":\"world\"}";
#define PAYLOAD_TYPE "application/vnd.example+json"

static void check_dsse_single(EVP_PKEY *k, const char *pem)
{
	char *sig = dsse_sign(k, EVP_sha256(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	char *env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), &sig, 1);
	char *pems[1] = {(char *)pem};
	char *json = dsse_json(env, pems, 1), envhex[65], payhex[65], keyhash[65], buf[140];
	char *want;
	entry *e;

	sha256_hex(env, strlen(env), envhex);
	sha256_hex(payload_text, strlen(payload_text), payhex);
	want = dsse_canonical(envhex, payhex, &sig, pems, 1);
	e = parse_ok(json);
	assert_canonical(e, want);
	assert_string_equal(e->kind, "dsse");
	assert_string_equal(e->version, "0.0.1");
	/* Rekor's dsse IndexKeys: "sha256:<key hash>" (reachable by a hash
	 * query), payload and envelope digests; plus the bare key hash that its
	 * public-key search looks up. */
	sha256_hex(pem, strlen(pem), keyhash);
	snprintf(buf, sizeof(buf), "sha256:%s", keyhash);
	assert_key(e, ENTRY_INDEX_HASH, buf);
	assert_key(e, ENTRY_INDEX_KEY, keyhash);
	snprintf(buf, sizeof(buf), "sha256:%s", payhex);
	assert_key(e, ENTRY_INDEX_HASH, buf);
	snprintf(buf, sizeof(buf), "sha256:%s", envhex);
	assert_key(e, ENTRY_INDEX_HASH, buf);
	{
		char idx[65];
		assert_int_equal(entry_key_index(pem, strlen(pem), idx), CAIRN_OK);
		assert_string_equal(idx, keyhash);
	}
	entry_free(e);
	free(want);
	free(json);
	free(env);
	free(sig);
}

static void test_dsse_keys(void **state)
{
	(void)state;
	EVP_PKEY *p256 = gen_ec("P-256"), *p384 = gen_ec("P-384"), *ed = gen_ed25519(), *rsa = gen_rsa(2048);
	EVP_PKEY *all[] = {p256, p384, ed, rsa};

	for (size_t i = 0; i < 4; i++) {
		char *pem = pubkey_pem(all[i]);
		check_dsse_single(all[i], pem);
		free(pem);
		EVP_PKEY_free(all[i]);
	}
}

/* A certificate verifier: kept as a certificate, SANs indexed. */
static void test_dsse_certificate(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	X509 *x = make_cert(k, 1, 0);
	char *pem = cert_pem(x), *sig, *env, *json;
	entry *e;

	check_dsse_single(k, pem);
	sig = dsse_sign(k, EVP_sha256(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), &sig, 1);
	json = dsse_json(env, &pem, 1);
	e = parse_ok(json);
	assert_key(e, ENTRY_INDEX_KEY, "alice@example.com");
	assert_key(e, ENTRY_INDEX_KEY, "alice!example");
	assert_key(e, ENTRY_INDEX_KEY,
	           "https://github.com/org/repo/.github/workflows/rel.yml@refs/heads/main");
	entry_free(e);
	free(json);
	free(env);
	free(sig);
	free(pem);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* Rekor (LoadVerifier(key, crypto.SHA256)) checks DSSE ECDSA signatures over
 * SHA-256 even for P-384: a SHA-384 signature does not verify. */
static void test_dsse_p384_uses_sha256(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-384");
	char *pem = pubkey_pem(k);
	char *sig = dsse_sign(k, EVP_sha384(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	char *env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), &sig, 1);
	char *json = dsse_json(env, &pem, 1);

	expect_fail(json, CAIRN_ERR_VERIFY, "signature verification failed");
	free(json);
	free(env);
	free(sig);
	free(pem);
	EVP_PKEY_free(k);
}

/* Two signatures by two keys: logged sorted by signature text, each with the
 * key that verified it, whatever the order of envelope and verifiers. */
static void test_dsse_two_signatures(void **state)
{
	(void)state;
	EVP_PKEY *a = gen_ec("P-256"), *b = gen_ed25519();
	char *apem = pubkey_pem(a), *bpem = pubkey_pem(b);
	char *sigs[2], *env, *json, *want, envhex[65], payhex[65];
	char *sorted_sigs[2], *sorted_pems[2], *pems[2];
	entry *e;

	sigs[0] = dsse_sign(a, EVP_sha256(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	sigs[1] = dsse_sign(b, NULL, PAYLOAD_TYPE, payload_text, strlen(payload_text));
	if (strcmp(sigs[0], sigs[1]) < 0) {
		sorted_sigs[0] = sigs[0], sorted_pems[0] = apem;
		sorted_sigs[1] = sigs[1], sorted_pems[1] = bpem;
	} else {
		sorted_sigs[0] = sigs[1], sorted_pems[0] = bpem;
		sorted_sigs[1] = sigs[0], sorted_pems[1] = apem;
	}
	/* The envelope lists them in reverse order, so the body must sort. */
	{
		char *rev[2] = {sorted_sigs[1], sorted_sigs[0]};
		env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), rev, 2);
	}
	sha256_hex(env, strlen(env), envhex);
	sha256_hex(payload_text, strlen(payload_text), payhex);
	want = dsse_canonical(envhex, payhex, sorted_sigs, sorted_pems, 2);
	/* Verifiers in either order. */
	pems[0] = bpem;
	pems[1] = apem;
	json = dsse_json(env, pems, 2);
	e = parse_ok(json);
	assert_canonical(e, want);
	entry_free(e);
	free(json);
	pems[0] = apem;
	pems[1] = bpem;
	json = dsse_json(env, pems, 2);
	e = parse_ok(json);
	assert_canonical(e, want);
	entry_free(e);
	free(json);
	free(want);
	free(env);
	free(sigs[0]);
	free(sigs[1]);
	free(apem);
	free(bpem);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void test_dsse_unverified_signatures(void **state)
{
	(void)state;
	EVP_PKEY *a = gen_ec("P-256"), *b = gen_ec("P-256"), *c = gen_ed25519();
	char *apem = pubkey_pem(a), *bpem = pubkey_pem(b), *cpem = pubkey_pem(c);
	char *sigs[2], *env, *json, *pems[2];

	sigs[0] = dsse_sign(a, EVP_sha256(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	sigs[1] = dsse_sign(b, EVP_sha256(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), sigs, 2);

	/* Two signatures, only one of which any verifier verifies. */
	json = dsse_json(env, &apem, 1);
	expect_fail(json, CAIRN_ERR_VERIFY, "envelope.signatures[1] is not verified by any verifier");
	free(json);
	/* A verifier (before all signatures are covered) that verifies none:
	 * Rekor's envelope verifier fails on it. */
	pems[0] = cpem;
	pems[1] = apem;
	free(env);
	env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), sigs, 1);
	json = dsse_json(env, pems, 2);
	expect_fail(json, CAIRN_ERR_VERIFY, "verifiers[0] verifies no envelope signature");
	free(json);
	/* Once every signature is verified, later verifiers are not consulted. */
	pems[0] = apem;
	pems[1] = cpem;
	json = dsse_json(env, pems, 2);
	{
		entry *e = parse_ok(json);
		entry_free(e);
	}
	free(json);
	/* The right key but a different payload type in the PAE. */
	free(env);
	free(sigs[1]);
	sigs[1] = dsse_sign(a, EVP_sha256(), "text/plain", payload_text, strlen(payload_text));
	env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), &sigs[1], 1);
	json = dsse_json(env, &apem, 1);
	expect_fail(json, CAIRN_ERR_VERIFY, NULL);
	free(json);
	/* One key cannot stand for two signatures (it accepts one per envelope). */
	free(env);
	free(sigs[1]);
	sigs[1] = dsse_sign(a, EVP_sha256(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), sigs, 2);
	json = dsse_json(env, &apem, 1);
	expect_fail(json, CAIRN_ERR_VERIFY, "envelope.signatures[1]");
	free(json);
	pems[0] = apem;
	pems[1] = apem;
	/* Not even listed twice: Rekor's second pass with the same key accepts
	 * the first signature again, so the second stays unverified. */
	json = dsse_json(env, pems, 2);
	expect_fail(json, CAIRN_ERR_VERIFY, "envelope.signatures[1]");
	free(json);
	free(env);
	free(sigs[0]);
	free(sigs[1]);
	free(apem);
	free(bpem);
	free(cpem);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(c);
}

/* tmpl with "@P" replaced by p and "@S" by sig. */
static char *subst(const char *tmpl, const char *p, const char *sig)
{
	char *out = malloc(strlen(tmpl) + 2 * (strlen(p) + strlen(sig)) + 1);
	size_t o = 0;

	assert_non_null(out);
	for (const char *t = tmpl; *t; t++) {
		if (t[0] == '@' && (t[1] == 'P' || t[1] == 'S')) {
			const char *r = t[1] == 'P' ? p : sig;
			memcpy(out + o, r, strlen(r));
			o += strlen(r);
			t++;
		} else {
			out[o++] = *t;
		}
	}
	out[o] = '\0';
	return out;
}

static void test_dsse_schema_and_encoding(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), *pem64 = b64(pem, strlen(pem)), *json, *env;
	char *sig = dsse_sign(k, EVP_sha256(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	char *p64 = b64(payload_text, strlen(payload_text));
#define T "\"" PAYLOAD_TYPE "\""
	static const struct {
		const char *env; /* @P: the payload's base64, @S: the signature */
		int code;
		const char *msg;
	} envs[] = {
	    {"not json", CAIRN_ERR_INVALID, "the DSSE envelope is not valid JSON"},
	    {"[]", CAIRN_ERR_SCHEMA, "must be a JSON object"},
	    {"\"text\"", CAIRN_ERR_SCHEMA, "must be a JSON object"},
	    {"{\"payload\":\"@P\",\"signatures\":[{\"sig\":\"@S\"}]}", CAIRN_ERR_SCHEMA,
	     "missing envelope.payloadType"},
	    {"{\"payloadType\":" T ",\"signatures\":[{\"sig\":\"@S\"}]}", CAIRN_ERR_SCHEMA,
	     "missing envelope.payload"},
	    {"{\"payload\":\"@P\",\"payloadType\":7,\"signatures\":[{\"sig\":\"@S\"}]}", CAIRN_ERR_SCHEMA,
	     "envelope.payloadType must be a string"},
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"signatures\":[]}", CAIRN_ERR_SCHEMA,
	     "envelope.signatures must not be empty"},
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"signatures\":{}}", CAIRN_ERR_SCHEMA,
	     "envelope.signatures must be an array"},
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"signatures\":[\"@S\"]}", CAIRN_ERR_SCHEMA,
	     "envelope.signatures[0] must be an object"},
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"signatures\":[{\"s\":\"@S\"}]}", CAIRN_ERR_SCHEMA,
	     "missing envelope.signatures[0].sig"},
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"signatures\":[{\"sig\":\"@S\","
	     "\"keyid\":5}]}",
	     CAIRN_ERR_SCHEMA, "envelope.signatures[0].keyid must be a string"},
	    {"{\"payload\":\"@P!\",\"payloadType\":" T ",\"signatures\":[{\"sig\":\"@S\"}]}",
	     CAIRN_ERR_INVALID, "envelope.payload is not valid base64"},
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"signatures\":[{\"sig\":\"@S=\"}]}",
	     CAIRN_ERR_INVALID, "envelope.signatures[0].sig is not valid base64"},
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"payload\":\"\",\"signatures\":"
	     "[{\"sig\":\"@S\"}]}",
	     CAIRN_ERR_INVALID, "duplicate"},
	    /* keyid is optional, may be null or any string: Rekor does not use it. */
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"signatures\":[{\"sig\":\"@S\"}]}", CAIRN_OK, NULL},
	    {"{\"payload\":\"@P\",\"payloadType\":" T ",\"signatures\":[{\"keyid\":null,"
	     "\"sig\":\"@S\"}]}",
	     CAIRN_OK, NULL},
	    {"{\"signatures\":[{\"keyid\":\"not-this-key\",\"sig\":\"@S\",\"extra\":1}],"
	     "\"payloadType\":" T ",\"payload\":\"@P\"}",
	     CAIRN_OK, NULL},
	};
#undef T

	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		char *pems[1] = {pem};
		env = subst(envs[i].env, p64, sig);
		json = dsse_json(env, pems, 1);
		if (envs[i].code == CAIRN_OK) {
			entry *e = parse_ok(json);
			entry_free(e);
		} else {
			expect_fail(json, envs[i].code, envs[i].msg);
		}
		free(json);
		free(env);
	}

	/* The spec itself. */
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{}}", CAIRN_ERR_SCHEMA,
	            "missing spec.proposedContent");
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"proposedContent\":{"
	            "\"verifiers\":[\"eA==\"]}}}",
	            CAIRN_ERR_SCHEMA, "missing spec.proposedContent.envelope");
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"proposedContent\":{"
	            "\"envelope\":\"{}\"}}}",
	            CAIRN_ERR_SCHEMA, "missing spec.proposedContent.verifiers");
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"proposedContent\":{"
	            "\"envelope\":\"{}\",\"verifiers\":[]}}}",
	            CAIRN_ERR_SCHEMA, "spec.proposedContent.verifiers must not be empty");
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"proposedContent\":{"
	            "\"envelope\":\"{}\",\"verifiers\":[1]}}}",
	            CAIRN_ERR_SCHEMA, "spec.proposedContent.verifiers[0] must be a string");
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"proposedContent\":{"
	            "\"envelope\":{},\"verifiers\":[\"eA==\"]}}}",
	            CAIRN_ERR_SCHEMA, "spec.proposedContent.envelope must be a string");
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"proposedContent\":{"
	            "\"envelope\":\"{}\",\"verifiers\":[\"eA==\"]},\"payloadHash\":{}}}",
	            CAIRN_ERR_SCHEMA, "cannot be combined");
	/* The canonical form is for lookups only. */
	expect_fail("{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{\"envelopeHash\":{},"
	            "\"payloadHash\":{},\"signatures\":[]}}",
	            CAIRN_ERR_SCHEMA, "missing spec.proposedContent");

	/* A verifier that is not base64, or not a key. */
	env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), &sig, 1);
	{
		json_t *root =
		    json_pack("{s:s, s:s, s:{s:{s:s, s:[s]}}}", "apiVersion", "0.0.1", "kind", "dsse", "spec",
		              "proposedContent", "envelope", env, "verifiers", "%%%%");
		char *text = json_dumps(root, JSON_COMPACT);
		expect_fail(text, CAIRN_ERR_INVALID, "spec.proposedContent.verifiers[0] is not valid base64");
		free(text);
		json_decref(root);
		root = json_pack("{s:s, s:s, s:{s:{s:s, s:[s]}}}", "apiVersion", "0.0.1", "kind", "dsse",
		                 "spec", "proposedContent", "envelope", env, "verifiers", "aGVsbG8=");
		text = json_dumps(root, JSON_COMPACT);
		expect_fail(text, CAIRN_ERR_INVALID, "not a valid PEM public key or certificate");
		free(text);
		json_decref(root);
	}
	/* Too many signatures. */
	{
		char *many[ENTRY_MAX_DSSE_SIGNATURES + 1];
		char *pems[1] = {pem};
		for (size_t i = 0; i <= ENTRY_MAX_DSSE_SIGNATURES; i++)
			many[i] = sig;
		free(env);
		env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), many,
		               ENTRY_MAX_DSSE_SIGNATURES + 1);
		json = dsse_json(env, pems, 1);
		expect_fail(json, CAIRN_ERR_INVALID, "more than");
		free(json);
	}
	/* A deeply nested envelope. */
	{
		char deep[200], *pems[1] = {pem};
		memset(deep, '[', ENTRY_MAX_DEPTH + 1);
		memset(deep + ENTRY_MAX_DEPTH + 1, ']', ENTRY_MAX_DEPTH + 1);
		deep[2 * ENTRY_MAX_DEPTH + 2] = '\0';
		free(env);
		env = xasprintf("{\"x\":%s}", deep);
		json = dsse_json(env, pems, 1);
		expect_fail(json, CAIRN_ERR_INVALID, "too deeply nested");
		free(json);
	}
	free(env);
	free(p64);
	free(sig);
	free(pem64);
	free(pem);
	EVP_PKEY_free(k);
}

/* Duplicate signature texts collapse into one, as Rekor's map does; an
 * empty payload is a payload. */
static void test_dsse_duplicates_and_empty_payload(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ed25519();
	char *pem = pubkey_pem(k), *sigs[2], *env, *json, *want, envhex[65], payhex[65];
	entry *e;

	/* Ed25519 is deterministic: the same signature twice. */
	sigs[0] = dsse_sign(k, NULL, PAYLOAD_TYPE, "", 0);
	sigs[1] = dsse_sign(k, NULL, PAYLOAD_TYPE, "", 0);
	assert_string_equal(sigs[0], sigs[1]);
	env = envelope(PAYLOAD_TYPE, "", 0, sigs, 2);
	json = dsse_json(env, &pem, 1);
	sha256_hex(env, strlen(env), envhex);
	sha256_hex("", 0, payhex);
	want = dsse_canonical(envhex, payhex, sigs, &pem, 1);
	e = parse_ok(json);
	assert_canonical(e, want);
	entry_free(e);
	free(want);
	free(json);
	free(env);
	free(sigs[0]);
	free(sigs[1]);
	free(pem);
	EVP_PKEY_free(k);
}

/* In-toto statements add their subjects' and SLSA materials' digests. */
static void test_dsse_intoto_keys(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), *sig, *env, *json;
	static const char stmt[] =
	    "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":[{\"name\":\"a\","
	    "\"digest\":{\"sha256\":\"AAAA000000000000000000000000000000000000000000000000000000000001\"}},"
	    "{\"name\":\"b\",\"digest\":{\"sha512\":\"bb\",\"gitCommit\":\"cc\"}}],"
	    "\"predicateType\":\"https://slsa.dev/provenance/v0.2\",\"predicate\":{"
	    "\"materials\":[{\"uri\":\"git+https://x\",\"digest\":{\"sha1\":\"dd\"}}]}}";
	entry *e;

	sig = dsse_sign(k, EVP_sha256(), "application/vnd.in-toto+json", stmt, strlen(stmt));
	env = envelope("application/vnd.in-toto+json", stmt, strlen(stmt), &sig, 1);
	json = dsse_json(env, &pem, 1);
	e = parse_ok(json);
	assert_key(e, ENTRY_INDEX_HASH,
	           "sha256:aaaa000000000000000000000000000000000000000000000000000000000001");
	assert_key(e, ENTRY_INDEX_HASH, "sha512:bb");
	assert_key(e, ENTRY_INDEX_HASH, "gitcommit:cc");
	assert_key(e, ENTRY_INDEX_HASH, "sha1:dd");
	assert_int_equal(e->keys_dropped, 0);
	entry_free(e);
	free(json);
	free(env);
	free(sig);

	/* Not a statement: no such keys, flagged, but the entry is fine. */
	sig = dsse_sign(k, EVP_sha256(), "application/vnd.in-toto+json", "nope", 4);
	env = envelope("application/vnd.in-toto+json", "nope", 4, &sig, 1);
	json = dsse_json(env, &pem, 1);
	e = parse_ok(json);
	assert_int_equal(e->keys_dropped, 1);
	assert_int_equal(e->nkeys, 4);
	entry_free(e);
	free(json);
	free(env);
	free(sig);
	free(pem);
	EVP_PKEY_free(k);
}

/* Many subjects: the keys past ENTRY_MAX_KEYS are dropped, and said so. */
static void test_dsse_too_many_keys(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), *sig, *env, *json, *stmt = xasprintf("%s", "{\"subject\":[");
	entry *e;

	for (int i = 0; i < ENTRY_MAX_KEYS + 5; i++) {
		char *s = xasprintf("%s%s{\"digest\":{\"sha256\":\"%064d\"}}", stmt, i ? "," : "", i);
		free(stmt);
		stmt = s;
	}
	{
		char *s = xasprintf("%s]}", stmt);
		free(stmt);
		stmt = s;
	}
	sig = dsse_sign(k, EVP_sha256(), "application/vnd.in-toto+json", stmt, strlen(stmt));
	env = envelope("application/vnd.in-toto+json", stmt, strlen(stmt), &sig, 1);
	json = dsse_json(env, &pem, 1);
	e = parse_ok(json);
	assert_int_equal(e->nkeys, ENTRY_MAX_KEYS);
	assert_int_equal(e->keys_dropped, 1);
	entry_free(e);
	free(json);
	free(env);
	free(sig);
	free(stmt);
	free(pem);
	EVP_PKEY_free(k);
}

/* The logged dsse form is accepted for lookups only (Rekor's search takes
 * it), unverified, and maps back to the same body and leaf. */
static void test_dsse_lookup_canonical(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-256");
	char *pem = pubkey_pem(k), *sig, *env, *json, err[256];
	entry *e, *e2;
	json_t *v;
	json_error_t jerr;

	sig = dsse_sign(k, EVP_sha256(), PAYLOAD_TYPE, payload_text, strlen(payload_text));
	env = envelope(PAYLOAD_TYPE, payload_text, strlen(payload_text), &sig, 1);
	json = dsse_json(env, &pem, 1);
	e = parse_ok(json);
	v = json_loadb(e->canonical, e->canonical_len, 0, &jerr);
	assert_non_null(v);
	assert_int_equal(entry_lookup_from_json(v, &e2, err, sizeof(err)), CAIRN_OK);
	assert_false(e2->verified);
	assert_int_equal(e2->canonical_len, e->canonical_len);
	assert_memory_equal(e2->canonical, e->canonical, e->canonical_len);
	assert_memory_equal(e2->leaf, e->leaf, 32);
	assert_int_equal(e2->nkeys, e->nkeys);
	entry_free(e2);
	/* Not for insertion. */
	assert_int_equal(entry_from_json(v, &e2, err, sizeof(err)), CAIRN_ERR_SCHEMA);
	json_decref(v);
	/* Upper-case hash digits are lowercased; a wrong algorithm refused. */
	{
		char *up = strdup(e->canonical), *p = strstr(up, "\"value\":\"") + 9;
		for (int i = 0; i < 64; i++)
			if (p[i] >= 'a' && p[i] <= 'f')
				p[i] = (char)(p[i] - 32);
		v = json_loads(up, 0, &jerr);
		assert_non_null(v);
		assert_int_equal(entry_lookup_from_json(v, &e2, err, sizeof(err)), CAIRN_OK);
		assert_memory_equal(e2->leaf, e->leaf, 32);
		entry_free(e2);
		json_decref(v);
		p = strstr(up, "sha256");
		memcpy(p, "sha512", 6);
		v = json_loads(up, 0, &jerr);
		assert_int_equal(entry_lookup_from_json(v, &e2, err, sizeof(err)), CAIRN_ERR_INVALID);
		json_decref(v);
		free(up);
	}
	entry_free(e);
	free(json);
	free(env);
	free(sig);
	free(pem);
	EVP_PKEY_free(k);
}

/* --- entry_parse_hashedrekord -------------------------------------------- */

static void test_parse_hashedrekord(void **state)
{
	(void)state;
	EVP_PKEY *k = gen_ec("P-384");
	char *pem = pubkey_pem(k), *odd64, *json;
	uint8_t d[48], *der = NULL, *sig;
	size_t dlen, siglen;
	entry_hashedrekord *h = NULL;
	entry *e;
	hr hh;
	int n;

	/* Proposed with an odd PEM, parsed back from the canonical body. */
	hr_make(&hh, k, pem, EVP_sha384(), "sha384");
	n = i2d_PUBKEY(k, &der);
	odd64 = NULL;
	{
		char *odd = odd_pem("PUBLIC KEY", der, (size_t)n, 20);
		odd64 = b64(odd, strlen(odd));
		free(odd);
	}
	json = hr_json("sha384", hh.hex, hh.sig64, odd64);
	e = parse_ok(json);
	assert_int_equal(entry_parse_hashedrekord((const uint8_t *)e->canonical, e->canonical_len, &h),
	                 CAIRN_OK);
	assert_int_equal(h->alg, KEYS_SHA384);
	digest(EVP_sha384(), artifact, sizeof(artifact) - 1, d, &dlen);
	assert_int_equal(h->digest_len, 48);
	assert_memory_equal(h->digest, d, 48);
	sig = unb64(hh.sig64, &siglen);
	assert_int_equal(h->sig_len, siglen);
	assert_memory_equal(h->sig, sig, siglen);
	/* The PEM is the canonical one, NUL-terminated. */
	assert_int_equal(h->pem_len, strlen(pem));
	assert_string_equal(h->pem, pem);
	{
		keys_key *kk = NULL;
		assert_int_equal(keys_from_public_pem(h->pem, h->pem_len, &kk), CAIRN_OK);
		assert_int_equal(keys_verify_digest(kk, h->alg, h->digest, h->digest_len, h->sig, h->sig_len),
		                 CAIRN_OK);
		keys_free(kk);
	}
	entry_hashedrekord_free(h);
	h = NULL;

	/* Not a hashedrekord, or not a body at all. */
	{
		static const char dsse_body[] = "{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{}}";
		static const char v2[] = "{\"apiVersion\":\"0.0.2\",\"kind\":\"hashedrekord\",\"spec\":{}}";
		static const char junk[] = "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{}}";
		assert_int_equal(entry_parse_hashedrekord((const uint8_t *)dsse_body, strlen(dsse_body), &h),
		                 CAIRN_ERR_UNSUPPORTED);
		assert_int_equal(entry_parse_hashedrekord((const uint8_t *)v2, strlen(v2), &h),
		                 CAIRN_ERR_UNSUPPORTED);
		assert_int_equal(entry_parse_hashedrekord((const uint8_t *)junk, strlen(junk), &h),
		                 CAIRN_ERR_INVALID);
		assert_int_equal(entry_parse_hashedrekord((const uint8_t *)"{", 1, &h), CAIRN_ERR_INVALID);
		assert_int_equal(entry_parse_hashedrekord(NULL, 0, &h), CAIRN_ERR_INVALID);
		assert_null(h);
	}
	/* A body with a bad key inside. */
	{
		char *bad64 = b64("x", 1), *body = hr_canonical("sha384", hh.hex, hh.sig64, bad64);
		assert_int_equal(entry_parse_hashedrekord((const uint8_t *)body, strlen(body), &h),
		                 CAIRN_ERR_INVALID);
		free(body);
		free(bad64);
	}
	entry_free(e);
	free(sig);
	free(json);
	free(odd64);
	OPENSSL_free(der);
	hr_free(&hh);
	free(pem);
	EVP_PKEY_free(k);
}

/* --- known answers from the public Rekor log ----------------------------- */

/* Checks that sig64 is Rekor's SET over the body at (index, time): the
 * body bytes are then exactly what rekor.sigstore.dev logged. */
static void check_set(const char *body64, long long itime, long long index, const char *sig64)
{
	keys_key *k = NULL;
	uint8_t id[32], *sig;
	char idhex[65], *payload;
	size_t siglen;

	assert_int_equal(keys_from_public_pem(rekor_pem, strlen(rekor_pem), &k), CAIRN_OK);
	assert_int_equal(keys_id(k, id), CAIRN_OK);
	codec_hex_encode(id, 32, idhex);
	assert_string_equal(idhex, rekor_log_id);
	payload = xasprintf("{\"body\":\"%s\",\"integratedTime\":%lld,\"logID\":\"%s\",\"logIndex\":%lld}",
	                    body64, itime, rekor_log_id, index);
	sig = unb64(sig64, &siglen);
	assert_int_equal(keys_verify(k, (const uint8_t *)payload, strlen(payload), sig, siglen), CAIRN_OK);
	free(sig);
	free(payload);
	keys_free(k);
}

static char *pem_from_der_b64(const char *der64, size_t width)
{
	size_t n;
	uint8_t *der = unb64(der64, &n);
	char *out;

	if (width == 64) {
		const uint8_t *p = der;
		X509 *x = d2i_X509(NULL, &p, (long)n);
		assert_non_null(x);
		out = cert_pem(x);
		X509_free(x);
	} else {
		out = odd_pem("CERTIFICATE", der, n, width);
	}
	free(der);
	return out;
}

/* rekor.sigstore.dev logIndex 6757503, a hashedrekord with a Fulcio
 * certificate. Its body, re-proposed, canonicalizes to itself; proposed the
 * way sigstore-js does from the bundle, it gives the same bytes. */
static void test_kat_rekor_hashedrekord(void **state)
{
	(void)state;
	static const char leaf_hex[] = "2d028fbaa73825baa54897fbb043ff1dd45b8c3947508f102648abfaa1530e18";
	static const char sig64[] = "MEQCIHs5aUulq1HpR+fwmSKpLk/"
	                            "oAwq5O9CDNFHhZAKfG5GmAiBwcVnf2obzsCGVlf0AIvbvHr21NXt7tpLBl4+Brh6OKA==";
	static const char digest_hex[] = "68e656b251e67e8358bef8483ab0d51c6619f3e7a1a9f0e75838d41ff368f728";
	size_t blen;
	uint8_t *body = unb64(kat_hr_body_b64, &blen);
	char leafhex[65], *json, *pem, *pem64, keyhash[65];
	entry *e;
	entry_hashedrekord *h = NULL;

	check_set(kat_hr_body_b64, 1667957590, 6757503, kat_hr_set);
	/* The body as a proposal. */
	json = malloc(blen + 1);
	assert_non_null(json);
	memcpy(json, body, blen);
	json[blen] = '\0';
	e = parse_ok(json);
	assert_int_equal(e->canonical_len, blen);
	assert_memory_equal(e->canonical, body, blen);
	codec_hex_encode(e->leaf, 32, leafhex);
	assert_string_equal(leafhex, leaf_hex);
	/* Index keys: the certificate PEM's hash, its email SAN, the digest. */
	pem = pem_from_der_b64(kat_hr_cert_der_b64, 64);
	sha256_hex(pem, strlen(pem), keyhash);
	assert_string_equal(keyhash, "88e41e753649b5a10c3817d08cb3f3f759e2a8c1b80dc73589023b0edce04a24");
	assert_key(e, ENTRY_INDEX_KEY, keyhash);
	assert_key(e, ENTRY_INDEX_KEY, "brian@dehamer.com");
	assert_key(e, ENTRY_INDEX_HASH,
	           "sha256:68e656b251e67e8358bef8483ab0d51c6619f3e7a1a9f0e75838d41ff368f728");
	assert_int_equal(e->nkeys, 3);
	entry_free(e);
	free(json);
	/* From the bundle's parts, with a 76-column PEM as some clients send. */
	free(pem);
	pem = pem_from_der_b64(kat_hr_cert_der_b64, 76);
	pem64 = b64(pem, strlen(pem));
	json = hr_json("sha256", digest_hex, sig64, pem64);
	e = parse_ok(json);
	assert_int_equal(e->canonical_len, blen);
	assert_memory_equal(e->canonical, body, blen);
	entry_free(e);
	/* The verifier's view of the body. */
	assert_int_equal(entry_parse_hashedrekord(body, blen, &h), CAIRN_OK);
	assert_int_equal(h->alg, KEYS_SHA256);
	{
		char dh[65];
		codec_hex_encode(h->digest, h->digest_len, dh);
		assert_string_equal(dh, digest_hex);
	}
	entry_hashedrekord_free(h);
	free(json);
	free(pem64);
	free(pem);
	free(body);
}

/* rekor.sigstore.dev logIndex 22797666, a dsse entry made by sigstore-js. The
 * envelope text is what sigstore-js sent (its SHA-256 is the logged
 * envelopeHash); with the bundle's certificate as verifier the canonical
 * body equals the logged one. */
static void test_kat_rekor_dsse(void **state)
{
	(void)state;
	static const char leaf_hex[] = "8fb17c0950effec0e89eaba2a354bbdef4e656b6a0168987c7683b7c9be9c779";
	static const char env[] =
	    "{\"payload\":\"aGVsbG8sIHdvcmxkIQ==\",\"payloadType\":\"text/plain\",\"signatures\":"
	    "[{\"sig\":\"MEYCIQDqKDt6197vqcbC7G+4bAz5i+b+gIEHF7b0mnZBIz6o2gIhAO4o8XWAdWYDe0F6NLui+"
	    "xKIP7khoAU346gJf0S3qTZo\",\"keyid\":\"\"}]}";
	size_t blen;
	uint8_t *body = unb64(kat_dsse_body_b64, &blen);
	char leafhex[65], envhex[65], *json, *pem, keyhash[65], buf[80];
	entry *e, *e2;
	json_t *v;
	json_error_t jerr;

	check_set(kat_dsse_body_b64, 1685987575, 22797666, kat_dsse_set);
	sha256_hex(env, strlen(env), envhex);
	assert_string_equal(envhex, "f4c175e5ef46b1237874706db1ac15bf9df3a890be6f52a2764cd2dab32ced07");
	pem = pem_from_der_b64(kat_dsse_cert_der_b64, 76);
	json = dsse_json(env, &pem, 1);
	e = parse_ok(json);
	if (e->canonical_len != blen || memcmp(e->canonical, body, blen) != 0)
		fail_msg("canonical\n got %s\nwant %.*s", e->canonical, (int)blen, (const char *)body);
	codec_hex_encode(e->leaf, 32, leafhex);
	assert_string_equal(leafhex, leaf_hex);
	free(pem);
	pem = pem_from_der_b64(kat_dsse_cert_der_b64, 64);
	sha256_hex(pem, strlen(pem), keyhash);
	snprintf(buf, sizeof(buf), "sha256:%s", keyhash);
	assert_key(e, ENTRY_INDEX_HASH, buf);
	assert_key(e, ENTRY_INDEX_KEY, keyhash);
	assert_key(e, ENTRY_INDEX_KEY, "brian@dehamer.com");
	assert_key(e, ENTRY_INDEX_HASH,
	           "sha256:68e656b251e67e8358bef8483ab0d51c6619f3e7a1a9f0e75838d41ff368f728");
	assert_key(e, ENTRY_INDEX_HASH,
	           "sha256:f4c175e5ef46b1237874706db1ac15bf9df3a890be6f52a2764cd2dab32ced07");
	assert_int_equal(e->nkeys, 5);
	/* The logged body as a lookup gives the same leaf. */
	v = json_loadb((const char *)body, blen, 0, &jerr);
	assert_non_null(v);
	assert_int_equal(entry_lookup_from_json(v, &e2, NULL, 0), CAIRN_OK);
	assert_memory_equal(e2->leaf, e->leaf, 32);
	assert_memory_equal(e2->canonical, body, blen);
	entry_free(e2);
	json_decref(v);
	entry_free(e);
	free(json);
	free(pem);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hr_ecdsa_p256),
	    cmocka_unit_test(test_hr_ecdsa_p384),
	    cmocka_unit_test(test_hr_rsa),
	    cmocka_unit_test(test_hr_ecdsa_raw_rs),
	    cmocka_unit_test(test_hr_certificate),
	    cmocka_unit_test(test_hr_reencoded),
	    cmocka_unit_test(test_hr_idempotent),
	    cmocka_unit_test(test_hr_unknown_members_ignored),
	    cmocka_unit_test(test_hr_forgeries),
	    cmocka_unit_test(test_hr_bad_hash),
	    cmocka_unit_test(test_hr_bad_encodings_and_keys),
	    cmocka_unit_test(test_hr_ed25519_unsupported),
	    cmocka_unit_test(test_unsupported_kinds),
	    cmocka_unit_test(test_schema_errors),
	    cmocka_unit_test(test_malformed_json),
	    cmocka_unit_test(test_depth_and_size_caps),
	    cmocka_unit_test(test_canonical_too_large),
	    cmocka_unit_test(test_err_buffer),
	    cmocka_unit_test(test_dsse_keys),
	    cmocka_unit_test(test_dsse_certificate),
	    cmocka_unit_test(test_dsse_p384_uses_sha256),
	    cmocka_unit_test(test_dsse_two_signatures),
	    cmocka_unit_test(test_dsse_unverified_signatures),
	    cmocka_unit_test(test_dsse_schema_and_encoding),
	    cmocka_unit_test(test_dsse_duplicates_and_empty_payload),
	    cmocka_unit_test(test_dsse_intoto_keys),
	    cmocka_unit_test(test_dsse_too_many_keys),
	    cmocka_unit_test(test_dsse_lookup_canonical),
	    cmocka_unit_test(test_parse_hashedrekord),
	    cmocka_unit_test(test_kat_rekor_hashedrekord),
	    cmocka_unit_test(test_kat_rekor_dsse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
