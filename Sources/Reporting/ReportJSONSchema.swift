/// The JSON report's schema.
///
/// Shape (see `schema` for types; `?` marks keys absent when the value cannot be computed):
///
///     {
///       "schemaVersion": 1,
///       "campaign":  { "name", "plateFormat": 96|384|1536, "model"?, "state"?, "generatedAt": ISO 8601 },
///       "summary":   { "plates", "wells", "imageSets", "imageSetsDone", "imageSetErrors", "nuclei", "infected",
///                      "infectionRate"?, "infectionRateLower"?, "infectionRateUpper"?, "complete": bool,
///                      "status": "complete" | "still running: …" },
///       "plates":    [ { "plate", "wells", "nuclei", "infectionRate"?, "positiveControls", "negativeControls",
///                        "positiveMean"?, "positiveSD"?, "negativeMean"?, "negativeSD"?, "zPrime"?,
///                        "robustZPrime"?, "ssmd"?, "reading"?: "excellent"|"marginal"|"unusable" } ],
///       "conditions": [ { "treatment"?, "concentration"?, "unit"?, "virus"?, "control"?, "replicates", "nuclei",
///                         "meanInfectionRate"?, "sdInfectionRate"?, "meanPercentOfPositive"?, "sdPercentOfPositive"? } ],
///       "doseResponses": [ { "treatment", "virus"?, "unit"?, "response", "concentrations",
///                            "points": [ { "concentration", "replicates", "mean", "sd"? } ],
///                            "fit"?: { "top", "bottom", "ic50", "ic50Lower"?, "ic50Upper"?, "logIC50StandardError"?,
///                                      "hill", "rSquared", "points" },
///                            "failure"?: "why there is no fit" } ],
///       "wells":     [ { "plate", "well": "A01", "treatment"?, "concentration"?, "unit"?, "virus"?, "control"?,
///                        "imageSets", "imageSetsDone", "errors", "nuclei", "infected", "infectionRate"?,
///                        "infectionRateLower"?, "infectionRateUpper"?, "reporterPositiveRate"?, "percentOfPositive"? } ]
///     }
///
/// Units: every `…Rate`, `positiveMean`/`negativeMean`/`…SD` on plates is a fraction 0…1; `percentOfPositive`
/// values, dose-response `points.mean`/`sd` and `fit.top`/`fit.bottom` are percentages (of the positive-control
/// window, or of nuclei when `response` is `infectionRatePercent`); concentrations and IC50 are in `unit`.
/// Wilson intervals and the IC50 interval are 95 %. A change that removes or renames a key bumps `schemaVersion`.
public enum ReportJSONSchema {
    public static let version = 1

    /// JSON Schema (draft 2020-12) of `JSONRenderer` output.
    public static let schema = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "urn:viroscope:campaign-report:1",
      "title": "Viroscope campaign report",
      "type": "object",
      "required": ["schemaVersion", "campaign", "summary", "plates", "conditions", "doseResponses", "wells"],
      "properties": {
        "schemaVersion": { "const": 1 },
        "campaign": {
          "type": "object",
          "required": ["name", "plateFormat", "generatedAt"],
          "properties": {
            "name": { "type": "string" },
            "plateFormat": { "enum": [96, 384, 1536] },
            "model": { "type": "string" },
            "state": { "type": "string" },
            "generatedAt": { "type": "string", "format": "date-time" }
          }
        },
        "summary": {
          "type": "object",
          "required": ["plates", "wells", "imageSets", "imageSetsDone", "imageSetErrors", "nuclei", "infected", "complete", "status"],
          "properties": {
            "plates": { "type": "integer", "minimum": 0 },
            "wells": { "type": "integer", "minimum": 0 },
            "imageSets": { "type": "integer", "minimum": 0 },
            "imageSetsDone": { "type": "integer", "minimum": 0 },
            "imageSetErrors": { "type": "integer", "minimum": 0 },
            "nuclei": { "type": "integer", "minimum": 0 },
            "infected": { "type": "integer", "minimum": 0 },
            "infectionRate": { "$ref": "#/$defs/fraction" },
            "infectionRateLower": { "$ref": "#/$defs/fraction" },
            "infectionRateUpper": { "$ref": "#/$defs/fraction" },
            "complete": { "type": "boolean" },
            "status": { "type": "string" }
          }
        },
        "plates": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["plate", "wells", "nuclei", "positiveControls", "negativeControls"],
            "properties": {
              "plate": { "type": "string" },
              "wells": { "type": "integer" },
              "nuclei": { "type": "integer" },
              "infectionRate": { "$ref": "#/$defs/fraction" },
              "positiveControls": { "type": "integer" },
              "negativeControls": { "type": "integer" },
              "positiveMean": { "$ref": "#/$defs/fraction" },
              "positiveSD": { "type": "number", "minimum": 0 },
              "negativeMean": { "$ref": "#/$defs/fraction" },
              "negativeSD": { "type": "number", "minimum": 0 },
              "zPrime": { "type": "number" },
              "robustZPrime": { "type": "number" },
              "ssmd": { "type": "number" },
              "reading": { "enum": ["excellent", "marginal", "unusable"] }
            }
          }
        },
        "conditions": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["replicates", "nuclei"],
            "properties": {
              "treatment": { "type": "string" },
              "concentration": { "type": "number" },
              "unit": { "type": "string" },
              "virus": { "type": "string" },
              "control": { "$ref": "#/$defs/control" },
              "replicates": { "type": "integer" },
              "nuclei": { "type": "integer" },
              "meanInfectionRate": { "$ref": "#/$defs/fraction" },
              "sdInfectionRate": { "type": "number", "minimum": 0 },
              "meanPercentOfPositive": { "type": "number" },
              "sdPercentOfPositive": { "type": "number", "minimum": 0 }
            }
          }
        },
        "doseResponses": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["treatment", "response", "concentrations", "points"],
            "properties": {
              "treatment": { "type": "string" },
              "virus": { "type": "string" },
              "unit": { "type": "string" },
              "response": { "enum": ["percentOfPositive", "infectionRatePercent"] },
              "concentrations": { "type": "integer", "minimum": 4 },
              "points": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": ["concentration", "replicates", "mean"],
                  "properties": {
                    "concentration": { "type": "number", "exclusiveMinimum": 0 },
                    "replicates": { "type": "integer" },
                    "mean": { "type": "number" },
                    "sd": { "type": "number", "minimum": 0 }
                  }
                }
              },
              "fit": {
                "type": "object",
                "required": ["top", "bottom", "ic50", "hill", "rSquared", "points"],
                "properties": {
                  "top": { "type": "number" },
                  "bottom": { "type": "number" },
                  "ic50": { "type": "number", "exclusiveMinimum": 0 },
                  "ic50Lower": { "type": "number", "exclusiveMinimum": 0 },
                  "ic50Upper": { "type": "number", "exclusiveMinimum": 0 },
                  "logIC50StandardError": { "type": "number", "minimum": 0 },
                  "hill": { "type": "number" },
                  "rSquared": { "type": "number" },
                  "points": { "type": "integer" }
                }
              },
              "failure": { "type": "string" }
            }
          }
        },
        "wells": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["plate", "well", "imageSets", "imageSetsDone", "errors", "nuclei", "infected"],
            "properties": {
              "plate": { "type": "string" },
              "well": { "type": "string", "pattern": "^[A-Z]{1,2}[0-9]{2}$" },
              "treatment": { "type": "string" },
              "concentration": { "type": "number" },
              "unit": { "type": "string" },
              "virus": { "type": "string" },
              "control": { "$ref": "#/$defs/control" },
              "imageSets": { "type": "integer" },
              "imageSetsDone": { "type": "integer" },
              "errors": { "type": "integer" },
              "nuclei": { "type": "integer" },
              "infected": { "type": "integer" },
              "infectionRate": { "$ref": "#/$defs/fraction" },
              "infectionRateLower": { "$ref": "#/$defs/fraction" },
              "infectionRateUpper": { "$ref": "#/$defs/fraction" },
              "reporterPositiveRate": { "$ref": "#/$defs/fraction" },
              "percentOfPositive": { "type": "number" }
            }
          }
        }
      },
      "$defs": {
        "fraction": { "type": "number", "minimum": 0, "maximum": 1 },
        "control": { "enum": ["positive", "negative"] }
      }
    }
    """#
}
