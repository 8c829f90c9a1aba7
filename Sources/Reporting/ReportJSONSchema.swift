/// The JSON report's schema.
///
/// Shape (see `schema` for types). Every key is always present; `?` marks values that are `null`
/// when they cannot be computed:
///
///     {
///       "schemaVersion": 2,
///       "alerts":    [ "model miscalibrated for these images …", … ] (empty when nothing is wrong),
///       "campaign":  { "name", "plateFormat": 96|384|1536, "model"?, "state"?, "generatedAt": ISO 8601 },
///       "summary":   { "plates", "wells", "imageSets", "imageSetsDone", "imageSetErrors", "nuclei", "infected",
///                      "infectionRate"?, "infectionRateLower"?, "infectionRateUpper"? (all wells, controls too),
///                      "sampleInfectionRate"?, "sampleInfectionRateLower"?, "sampleInfectionRateUpper"? (samples only),
///                      "complete": bool,
///                      "status": "complete" | "still running: …" },
///       "plates":    [ { "plate", "wells", "nuclei", "infectionRate"?, "positiveControls", "negativeControls",
///                        "positiveMean"?, "positiveSD"?, "negativeMean"?, "negativeSD"?, "zPrime"?,
///                        "robustZPrime"?, "ssmd"?, "reading"?: "excellent"|"marginal"|"unusable", "failed": bool } ],
///       "conditions": [ { "treatment"?, "concentration"?, "unit"?, "virus"?, "control"?, "replicates", "nuclei",
///                         "meanInfectionRate"?, "sdInfectionRate"?, "meanPercentOfPositive"?, "sdPercentOfPositive"? } ],
///       "doseResponses": [ { "treatment", "virus"?, "unit"?, "response", "concentrations",
///                            "points": [ { "concentration", "replicates", "mean", "sd"? } ],
///                            "fit"?: { "top", "bottom", "ic50", "ic50Lower"?, "ic50Upper"?, "logIC50StandardError"?,
///                                      "hill", "rSquared", "points", "intervalNote"? },
///                            "failure"?: "why there is no fit",
///                            "viabilityFit"?: { same as fit; its ic50 is the CC50 }, "viabilityNote"?,
///                            "selectivityIndex"?: { "kind": "estimate"|"lower-bound", "value", "lower"?, "upper"? },
///                            "weighting": "none"|"inverse replicate variance" } ],
///       "wells":     [ { "plate", "well": "A01", "treatment"?, "concentration"?, "unit"?, "virus"?, "control"?,
///                        "imageSets", "imageSetsDone", "errors", "nuclei", "infected", "infectionRate"?,
///                        "infectionRateLower"?, "infectionRateUpper"?, "reporterPositiveRate"?, "percentOfPositive"?,
///                        "percentInhibition"?, "robustZ"?, "bScore"?, "score"?, "viability"?, "viabilityLower"?,
///                        "viabilityUpper"?, "cytotoxic": bool, "hit": bool } ],
///       "screen":    { "normalisation": "poc"|"npi"|"robust-z"|"b-score", "scoreThreshold"?, "inhibitionThreshold"?,
///                      "viabilityThreshold", "replicateCombination": "mean"|"median", "viabilityReference",
///                      "compounds", "hits", "cytotoxicActives", "failedPlates": [ plate ] },
///       "hits":      [ { "compound", "concentration"?, "unit"?, "virus"?, "replicates", "wells": [ "PLATE:A01" ],
///                        "plates", "infectionRate"?, "score"?, "scoreSpread"?, "percentInhibition"?,
///                        "inhibitionSpread"?, "viability"?, "concordance"?, "outcome": "hit", "reason", "strength" } ],
///       "notes":     [ "plate P2: Z' = -0.214 < 0, marked failed: …" ],
///       "modelCheck"?: { "alerts", "domainStatus"?, "domainSummary"?, "kappa"?, "wellCorrelation"?,
///                        "plates": [ { "plate", "nuclei", "kappa"?, "wellCorrelation"?, "negativeControlRate"?,
///                                      "positiveControlRate"?, "disagrees", "miscalibrated", "reasons" } ],
///                        "wells": [ { "plate", "well", "control"?, "nuclei", "bothPositive", "modelOnly", "reporterOnly" } ] }
///     }
///
/// Units: every `…Rate`, `positiveMean`/`negativeMean`/`…SD` on plates is a fraction 0…1; `percentOfPositive`
/// values, dose-response `points.mean`/`sd` and `fit.top`/`fit.bottom` are percentages (of the positive-control
/// window, or of nuclei when `response` is `infectionRatePercent`); concentrations and IC50 are in `unit`.
/// `percentInhibition`, `viability…` and hit `viability` are percentages; `robustZ`, `bScore` are in units of
/// the plate's robust spread; `score` is the value of `screen.normalisation`.
/// Wilson intervals and the IC50 interval are 95 %. A change that removes or renames a key bumps `schemaVersion`.
public enum ReportJSONSchema {
    public static let version = 2

    /// JSON Schema (draft 2020-12) of `JSONRenderer` output.
    public static let schema = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "urn:viroscope:campaign-report:2",
      "title": "Viroscope campaign report",
      "type": "object",
      "required": [
        "schemaVersion",
        "alerts",
        "campaign",
        "summary",
        "plates",
        "conditions",
        "doseResponses",
        "wells",
        "screen",
        "hits",
        "notes",
        "modelCheck"
      ],
      "properties": {
        "alerts": {
          "type": "array",
          "items": {
            "type": "string"
          }
        },
        "modelCheck": {
          "type": [
            "object",
            "null"
          ]
        },
        "schemaVersion": {
          "const": 2
        },
        "campaign": {
          "type": "object",
          "required": [
            "name",
            "plateFormat",
            "model",
            "state",
            "generatedAt"
          ],
          "properties": {
            "name": {
              "type": "string"
            },
            "plateFormat": {
              "enum": [
                96,
                384,
                1536
              ]
            },
            "model": {
              "type": [
                "string",
                "null"
              ]
            },
            "state": {
              "type": [
                "string",
                "null"
              ]
            },
            "generatedAt": {
              "type": "string",
              "format": "date-time"
            }
          },
          "additionalProperties": false
        },
        "summary": {
          "type": "object",
          "required": [
            "plates",
            "wells",
            "imageSets",
            "imageSetsDone",
            "imageSetErrors",
            "nuclei",
            "infected",
            "infectionRate",
            "infectionRateLower",
            "infectionRateUpper",
            "sampleInfectionRate",
            "sampleInfectionRateLower",
            "sampleInfectionRateUpper",
            "complete",
            "status"
          ],
          "properties": {
            "plates": {
              "type": "integer",
              "minimum": 0
            },
            "wells": {
              "type": "integer",
              "minimum": 0
            },
            "imageSets": {
              "type": "integer",
              "minimum": 0
            },
            "imageSetsDone": {
              "type": "integer",
              "minimum": 0
            },
            "imageSetErrors": {
              "type": "integer",
              "minimum": 0
            },
            "nuclei": {
              "type": "integer",
              "minimum": 0
            },
            "infected": {
              "type": "integer",
              "minimum": 0
            },
            "infectionRate": {
              "oneOf": [
                {
                  "$ref": "#/$defs/fraction"
                },
                {
                  "type": "null"
                }
              ]
            },
            "infectionRateLower": {
              "oneOf": [
                {
                  "$ref": "#/$defs/fraction"
                },
                {
                  "type": "null"
                }
              ]
            },
            "infectionRateUpper": {
              "oneOf": [
                {
                  "$ref": "#/$defs/fraction"
                },
                {
                  "type": "null"
                }
              ]
            },
            "sampleInfectionRate": {
              "oneOf": [
                {
                  "$ref": "#/$defs/fraction"
                },
                {
                  "type": "null"
                }
              ]
            },
            "sampleInfectionRateLower": {
              "oneOf": [
                {
                  "$ref": "#/$defs/fraction"
                },
                {
                  "type": "null"
                }
              ]
            },
            "sampleInfectionRateUpper": {
              "oneOf": [
                {
                  "$ref": "#/$defs/fraction"
                },
                {
                  "type": "null"
                }
              ]
            },
            "complete": {
              "type": "boolean"
            },
            "status": {
              "type": "string"
            }
          },
          "additionalProperties": false
        },
        "plates": {
          "type": "array",
          "items": {
            "type": "object",
            "required": [
              "plate",
              "wells",
              "nuclei",
              "infectionRate",
              "positiveControls",
              "negativeControls",
              "positiveMean",
              "positiveSD",
              "negativeMean",
              "negativeSD",
              "zPrime",
              "robustZPrime",
              "ssmd",
              "reading",
              "failed"
            ],
            "properties": {
              "plate": {
                "type": "string"
              },
              "wells": {
                "type": "integer"
              },
              "nuclei": {
                "type": "integer"
              },
              "infectionRate": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "positiveControls": {
                "type": "integer"
              },
              "negativeControls": {
                "type": "integer"
              },
              "positiveMean": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "positiveSD": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "negativeMean": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "negativeSD": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "zPrime": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "robustZPrime": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "ssmd": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "reading": {
                "enum": [
                  "excellent",
                  "marginal",
                  "unusable",
                  null
                ]
              },
              "failed": {
                "type": "boolean"
              }
            },
            "additionalProperties": false
          }
        },
        "conditions": {
          "type": "array",
          "items": {
            "type": "object",
            "required": [
              "treatment",
              "concentration",
              "unit",
              "virus",
              "control",
              "replicates",
              "nuclei",
              "meanInfectionRate",
              "sdInfectionRate",
              "meanPercentOfPositive",
              "sdPercentOfPositive"
            ],
            "properties": {
              "treatment": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "concentration": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "unit": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "virus": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "control": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/control"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "replicates": {
                "type": "integer"
              },
              "nuclei": {
                "type": "integer"
              },
              "meanInfectionRate": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "sdInfectionRate": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "meanPercentOfPositive": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "sdPercentOfPositive": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              }
            },
            "additionalProperties": false
          }
        },
        "doseResponses": {
          "type": "array",
          "items": {
            "type": "object",
            "required": [
              "treatment",
              "virus",
              "unit",
              "response",
              "concentrations",
              "points",
              "fit",
              "failure",
              "viabilityFit",
              "viabilityNote",
              "selectivityIndex",
              "weighting"
            ],
            "properties": {
              "treatment": {
                "type": "string"
              },
              "virus": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "unit": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "response": {
                "enum": [
                  "percentOfPositive",
                  "infectionRatePercent"
                ]
              },
              "concentrations": {
                "type": "integer",
                "minimum": 4
              },
              "points": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "concentration",
                    "replicates",
                    "mean",
                    "sd"
                  ],
                  "properties": {
                    "concentration": {
                      "type": "number",
                      "exclusiveMinimum": 0
                    },
                    "replicates": {
                      "type": "integer"
                    },
                    "mean": {
                      "type": "number"
                    },
                    "sd": {
                      "type": [
                        "number",
                        "null"
                      ],
                      "minimum": 0
                    }
                  },
                  "additionalProperties": false
                }
              },
              "fit": {
                "type": [
                  "object",
                  "null"
                ],
                "required": [
                  "top",
                  "bottom",
                  "ic50",
                  "ic50Lower",
                  "ic50Upper",
                  "logIC50StandardError",
                  "hill",
                  "rSquared",
                  "points",
                  "intervalNote"
                ],
                "properties": {
                  "top": {
                    "type": "number"
                  },
                  "bottom": {
                    "type": "number"
                  },
                  "ic50": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "ic50Lower": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "exclusiveMinimum": 0
                  },
                  "ic50Upper": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "exclusiveMinimum": 0
                  },
                  "logIC50StandardError": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "minimum": 0
                  },
                  "hill": {
                    "type": "number"
                  },
                  "rSquared": {
                    "type": "number"
                  },
                  "points": {
                    "type": "integer"
                  },
                  "intervalNote": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                },
                "additionalProperties": false
              },
              "failure": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "viabilityFit": {
                "type": [
                  "object",
                  "null"
                ],
                "required": [
                  "top",
                  "bottom",
                  "ic50",
                  "ic50Lower",
                  "ic50Upper",
                  "logIC50StandardError",
                  "hill",
                  "rSquared",
                  "points",
                  "intervalNote"
                ],
                "properties": {
                  "top": {
                    "type": "number"
                  },
                  "bottom": {
                    "type": "number"
                  },
                  "ic50": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "ic50Lower": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "exclusiveMinimum": 0
                  },
                  "ic50Upper": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "exclusiveMinimum": 0
                  },
                  "logIC50StandardError": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "minimum": 0
                  },
                  "hill": {
                    "type": "number"
                  },
                  "rSquared": {
                    "type": "number"
                  },
                  "points": {
                    "type": "integer"
                  },
                  "intervalNote": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                },
                "additionalProperties": false
              },
              "viabilityNote": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "selectivityIndex": {
                "type": [
                  "object",
                  "null"
                ],
                "required": [
                  "kind",
                  "value",
                  "lower",
                  "upper"
                ],
                "properties": {
                  "kind": {
                    "enum": [
                      "estimate",
                      "lower-bound"
                    ]
                  },
                  "value": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  },
                  "lower": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "exclusiveMinimum": 0
                  },
                  "upper": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "exclusiveMinimum": 0
                  }
                },
                "additionalProperties": false
              },
              "weighting": {
                "enum": [
                  "none",
                  "inverse replicate variance"
                ]
              }
            },
            "additionalProperties": false
          }
        },
        "wells": {
          "type": "array",
          "items": {
            "type": "object",
            "required": [
              "plate",
              "well",
              "treatment",
              "concentration",
              "unit",
              "virus",
              "control",
              "imageSets",
              "imageSetsDone",
              "errors",
              "nuclei",
              "infected",
              "infectionRate",
              "infectionRateLower",
              "infectionRateUpper",
              "reporterPositiveRate",
              "percentOfPositive",
              "percentInhibition",
              "robustZ",
              "bScore",
              "score",
              "viability",
              "viabilityLower",
              "viabilityUpper",
              "cytotoxic",
              "hit"
            ],
            "properties": {
              "plate": {
                "type": "string"
              },
              "well": {
                "type": "string",
                "pattern": "^[A-Z]{1,2}[0-9]{2}$"
              },
              "treatment": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "concentration": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "unit": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "virus": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "control": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/control"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "imageSets": {
                "type": "integer"
              },
              "imageSetsDone": {
                "type": "integer"
              },
              "errors": {
                "type": "integer"
              },
              "nuclei": {
                "type": "integer"
              },
              "infected": {
                "type": "integer"
              },
              "infectionRate": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "infectionRateLower": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "infectionRateUpper": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "reporterPositiveRate": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "percentOfPositive": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "percentInhibition": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "robustZ": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "bScore": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "score": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "viability": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "viabilityLower": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "viabilityUpper": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "cytotoxic": {
                "type": "boolean"
              },
              "hit": {
                "type": "boolean"
              }
            },
            "additionalProperties": false
          }
        },
        "screen": {
          "type": "object",
          "required": [
            "normalisation",
            "scoreThreshold",
            "inhibitionThreshold",
            "viabilityThreshold",
            "replicateCombination",
            "viabilityReference",
            "compounds",
            "hits",
            "cytotoxicActives",
            "failedPlates"
          ],
          "properties": {
            "normalisation": {
              "enum": [
                "poc",
                "npi",
                "robust-z",
                "b-score"
              ]
            },
            "scoreThreshold": {
              "type": [
                "number",
                "null"
              ]
            },
            "inhibitionThreshold": {
              "type": [
                "number",
                "null"
              ]
            },
            "viabilityThreshold": {
              "type": "number",
              "minimum": 0,
              "maximum": 100
            },
            "replicateCombination": {
              "enum": [
                "mean",
                "median"
              ]
            },
            "viabilityReference": {
              "type": "string"
            },
            "compounds": {
              "type": "integer",
              "minimum": 0
            },
            "hits": {
              "type": "integer",
              "minimum": 0
            },
            "cytotoxicActives": {
              "type": "integer",
              "minimum": 0
            },
            "failedPlates": {
              "type": "array",
              "items": {
                "type": "string"
              }
            }
          },
          "additionalProperties": false
        },
        "hits": {
          "type": "array",
          "items": {
            "type": "object",
            "required": [
              "compound",
              "concentration",
              "unit",
              "virus",
              "replicates",
              "wells",
              "plates",
              "infectionRate",
              "score",
              "scoreSpread",
              "percentInhibition",
              "inhibitionSpread",
              "viability",
              "concordance",
              "outcome",
              "reason",
              "strength"
            ],
            "properties": {
              "compound": {
                "type": "string"
              },
              "concentration": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "unit": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "virus": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "replicates": {
                "type": "integer",
                "minimum": 1
              },
              "wells": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "plates": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "infectionRate": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "score": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "scoreSpread": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "percentInhibition": {
                "type": [
                  "number",
                  "null"
                ]
              },
              "inhibitionSpread": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "viability": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "concordance": {
                "oneOf": [
                  {
                    "$ref": "#/$defs/fraction"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "outcome": {
                "const": "hit"
              },
              "reason": {
                "type": "string"
              },
              "strength": {
                "type": "number"
              }
            },
            "additionalProperties": false
          }
        },
        "notes": {
          "type": "array",
          "items": {
            "type": "string"
          }
        }
      },
      "$defs": {
        "fraction": {
          "type": "number",
          "minimum": 0,
          "maximum": 1
        },
        "control": {
          "enum": [
            "positive",
            "negative",
            "viability_reference"
          ]
        }
      },
      "additionalProperties": false
    }
    """#
}
