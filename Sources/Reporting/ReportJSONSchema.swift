/// The JSON report's schema.
///
/// Shape (see `schema` for types). Every key is always present; `?` marks values that are `null`
/// when they cannot be computed:
///
///     {
///       "schemaVersion": 1,
///       "alerts":    [ "model miscalibrated for these images …", … ] (empty when nothing is wrong),
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
///                        "infectionRateLower"?, "infectionRateUpper"?, "reporterPositiveRate"?, "percentOfPositive"? } ],
///       "modelCheck"?: { "alerts", "domainStatus"?, "domainSummary"?, "kappa"?, "wellCorrelation"?,
///                        "plates": [ { "plate", "nuclei", "kappa"?, "wellCorrelation"?, "negativeControlRate"?,
///                                      "positiveControlRate"?, "disagrees", "miscalibrated", "reasons" } ],
///                        "wells": [ { "plate", "well", "control"?, "nuclei", "bothPositive", "modelOnly", "reporterOnly" } ] }
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
      "required": [
        "schemaVersion",
        "alerts",
        "campaign",
        "summary",
        "plates",
        "conditions",
        "doseResponses",
        "wells",
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
          "const": 1
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
              "reading"
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
              "failure"
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
                  "points"
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
                  }
                },
                "additionalProperties": false
              },
              "failure": {
                "type": [
                  "string",
                  "null"
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
              "percentOfPositive"
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
              }
            },
            "additionalProperties": false
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
            "negative"
          ]
        }
      },
      "additionalProperties": false
    }
    """#
}
